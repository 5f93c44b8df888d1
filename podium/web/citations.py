"""BibTeX for the leaderboard, the evaluation harness and each benchmark, keyed by task.

Author lists end in `and others` where the full list is long; the titles, venues and arXiv
ids identify each work exactly.
"""

from __future__ import annotations

PODIUM = """@software{podium,
  title = {Podium: an open {LLM} leaderboard platform},
  year = {2026},
  note = {Exact lm-eval scores, a job queue and a web leaderboard}
}"""

LEADERBOARDS = {
    "open_llm_leaderboard_v2": """@misc{open-llm-leaderboard-v2,
  author = {Fourrier, Cl{\\'e}mentine and Habib, Nathan and Lozovskaya, Alina and Szafer, Konrad and Wolf, Thomas},
  title = {Open {LLM} Leaderboard v2},
  year = {2024},
  publisher = {Hugging Face},
  howpublished = {\\url{https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard}}
}""",
    "open_llm_leaderboard_v1": """@misc{open-llm-leaderboard-v1,
  author = {Beeching, Edward and Fourrier, Cl{\\'e}mentine and Habib, Nathan and Han, Sheon and Lambert, Nathan and Rajani, Nazneen and Sanseviero, Omar and Tunstall, Lewis and Wolf, Thomas},
  title = {Open {LLM} Leaderboard (2023-2024)},
  year = {2023},
  publisher = {Hugging Face},
  howpublished = {\\url{https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard}}
}""",
    "open_ko_llm_leaderboard": """@inproceedings{park2024openkollm,
  author = {Park, Chanjun and Kim, Hyeonwoo and Kim, Dahyun and Cho, Seonghwan and Kim, Sanghoon and Lee, Sukyung and Kim, Yungi and Lee, Hwalsuk},
  title = {Open {Ko-LLM} Leaderboard: Evaluating Large Language Models in {Korean} with {Ko-H5} Benchmark},
  booktitle = {Proceedings of the 62nd Annual Meeting of the Association for Computational Linguistics},
  year = {2024},
  eprint = {2405.20574},
  archivePrefix = {arXiv}
}""",
}

HARNESS = """@software{eval-harness,
  author = {Gao, Leo and Tow, Jonathan and Abbasi, Baber and Biderman, Stella and Black, Sid and DiPofi, Anthony and Foster, Charles and Golding, Laurence and Hsu, Jeffrey and Le Noac'h, Alain and Li, Haonan and McDonell, Kyle and Muennighoff, Niklas and Ociepa, Chris and Phang, Jason and Reynolds, Laria and Schoelkopf, Hailey and Skowron, Aviya and Sutawika, Lintang and Tang, Eric and Thite, Anish and Wang, Ben and Wang, Kevin and Zou, Andy},
  title = {A framework for few-shot language model evaluation},
  year = {2023},
  publisher = {Zenodo},
  doi = {10.5281/zenodo.10256836},
  url = {https://zenodo.org/records/10256836}
}"""


def _arxiv(key: str, authors: str, title: str, year: int, eprint: str) -> str:
    return (f"@article{{{key},\n  author = {{{authors}}},\n  title = {{{title}}},\n  journal = {{arXiv preprint "
            f"arXiv:{eprint}}},\n  year = {{{year}}},\n  eprint = {{{eprint}}},\n  archivePrefix = {{arXiv}}\n}}")


BENCHMARKS = {
    "arc": _arxiv("clark2018arc", "Clark, Peter and Cowhey, Isaac and Etzioni, Oren and Khot, Tushar and Sabharwal, "
                  "Ashish and Schoenick, Carissa and Tafjord, Oyvind", "Think you have Solved Question Answering? "
                  "Try {ARC}, the {AI2} Reasoning Challenge", 2018, "1803.05457"),
    "hellaswag": _arxiv("zellers2019hellaswag", "Zellers, Rowan and Holtzman, Ari and Bisk, Yonatan and Farhadi, Ali "
                        "and Choi, Yejin", "{HellaSwag}: Can a Machine Really Finish Your Sentence?", 2019,
                        "1905.07830"),
    "mmlu": _arxiv("hendrycks2021mmlu", "Hendrycks, Dan and Burns, Collin and Basart, Steven and Zou, Andy and "
                   "Mazeika, Mantas and Song, Dawn and Steinhardt, Jacob", "Measuring Massive Multitask Language "
                   "Understanding", 2021, "2009.03300"),
    "truthfulqa": _arxiv("lin2022truthfulqa", "Lin, Stephanie and Hilton, Jacob and Evans, Owain",
                         "{TruthfulQA}: Measuring How Models Mimic Human Falsehoods", 2022, "2109.07958"),
    "winogrande": _arxiv("sakaguchi2019winogrande", "Sakaguchi, Keisuke and Le Bras, Ronan and Bhagavatula, Chandra "
                         "and Choi, Yejin", "{WinoGrande}: An Adversarial Winograd Schema Challenge at Scale", 2019,
                         "1907.10641"),
    "gsm8k": _arxiv("cobbe2021gsm8k", "Cobbe, Karl and Kosaraju, Vineet and Bavarian, Mohammad and Chen, Mark and Jun, "
                    "Heewoo and Kaiser, Lukasz and others", "Training Verifiers to Solve Math Word Problems", 2021,
                    "2110.14168"),
    "ifeval": _arxiv("zhou2023ifeval", "Zhou, Jeffrey and Lu, Tianjian and Mishra, Swaroop and Brahma, Siddhartha and "
                     "Basu, Sujoy and Luan, Yi and Zhou, Denny and Hou, Le", "Instruction-Following Evaluation for "
                     "Large Language Models", 2023, "2311.07911"),
    "bbh": _arxiv("suzgun2022bbh", "Suzgun, Mirac and Scales, Nathan and Sch{\\\"a}rli, Nathanael and Gehrmann, "
                  "Sebastian and Tay, Yi and Chung, Hyung Won and others", "Challenging {BIG-Bench} Tasks and Whether "
                  "Chain-of-Thought Can Solve Them", 2022, "2210.09261"),
    "math": _arxiv("hendrycks2021math", "Hendrycks, Dan and Burns, Collin and Kadavath, Saurav and Arora, Akul and "
                   "Basart, Steven and Tang, Eric and Song, Dawn and Steinhardt, Jacob", "Measuring Mathematical "
                   "Problem Solving With the {MATH} Dataset", 2021, "2103.03874"),
    "gpqa": _arxiv("rein2023gpqa", "Rein, David and Hou, Betty Li and Stickland, Asa Cooper and Petty, Jackson and "
                   "Pang, Richard Yuanzhe and Dirani, Julien and Michael, Julian and Bowman, Samuel R.",
                   "{GPQA}: A Graduate-Level Google-Proof {Q\\&A} Benchmark", 2023, "2311.12022"),
    "musr": _arxiv("sprague2023musr", "Sprague, Zayne and Ye, Xi and Bostrom, Kaj and Chaudhuri, Swarat and Durrett, "
                   "Greg", "{MuSR}: Testing the Limits of Chain-of-thought with Multistep Soft Reasoning", 2023,
                   "2310.16049"),
    "mmlu_pro": _arxiv("wang2024mmlupro", "Wang, Yubo and Ma, Xueguang and Zhang, Ge and Ni, Yuansheng and Chandra, "
                       "Abhranil and others", "{MMLU-Pro}: A More Robust and Challenging Multi-Task Language "
                       "Understanding Benchmark", 2024, "2406.01574"),
    "kmmlu": _arxiv("son2024kmmlu", "Son, Guijin and Lee, Hanwool and Kim, Sungdong and Kim, Seungone and others",
                    "{KMMLU}: Measuring Massive Multitask Language Understanding in {Korean}", 2024, "2402.11548"),
    "tracing": _arxiv("zhu2025independence", "Zhu, Sally and Ahmed, Ahmed and Kuditipudi, Rohith and Liang, Percy",
                      "Independence Tests for Language Models", 2025, "2502.12292"),
}

# Board task key -> benchmark citation key.
TASK_CITATIONS = {
    "arc_challenge": "arc", "hellaswag": "hellaswag", "mmlu": "mmlu", "truthfulqa_mc2": "truthfulqa",
    "winogrande": "winogrande", "gsm8k": "gsm8k", "ifeval": "ifeval", "bbh": "bbh", "math_hard": "math",
    "gpqa": "gpqa", "musr": "musr", "mmlu_pro": "mmlu_pro", "ko_arc_challenge": "arc", "ko_hellaswag": "hellaswag",
    "ko_mmlu": "mmlu", "ko_truthfulqa_mc2": "truthfulqa", "kmmlu": "kmmlu", "mmlu_original": "mmlu",
    "mmlu_helm": "mmlu", "mmlu_harness2023": "mmlu", "mmlu_harness2023_norm": "mmlu",
}
