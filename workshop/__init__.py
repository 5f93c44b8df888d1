"""The toy-model workshop: scaffolding for the tests, the benchmarks and the demo, kept out of `podium`.

Nothing here is part of the product's behaviour; it builds what checking the product needs
where the Hugging Face Hub is out of reach: small models, their tokenizers, and a board full
of synthetic entries. Everything is deterministic and offline. The product imports only
`toys` (for the demo models of `podium.engine.demo`); `toys`, `corpus` and `training` import
nothing from `podium`, the other modules sit above it (importing this package loads none of them).

Module map:
  toys.py       ToySpec (one spec for every toy model), train_tokenizer (local byte-level BPE),
                build_model (random-init GPT-2 / Llama), build_toy_model (a model folder with its tokenizer)
  corpus.py     local text for the tokenizers and the training, with built-in fallbacks
  training.py   brief seeded training (AdamW, cosine decay) and held-out loss
  trained.py    TrainedModels: cached, briefly trained tiny models sharing one tokenizer (tracing)
  memorised.py  train_on: a tiny GPT-2 trained on chosen texts (the contamination check's positives and negatives)
  derive.py     derived-model helpers: weight noise, permuted units, rotated residual, retrained block,
                narrower MLP, one more block
  synthetic.py  add_entries: thousands of realistic finished board entries, bulk-inserted
"""
