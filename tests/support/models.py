"""Model folders for the platform tests: copies of a demo model, each broken in one way.

`copy_model` puts a copy of a good model (a `podium.engine.demo` model: safetensors weights,
tokenizer, license, card) into the test's model mirror; the `make_*` helpers then break
exactly the one thing a submission rule checks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

SHORT_CARD = "# A model\n\nIt is good.\n"


def copy_model(good: Path, mirror: Path, repo_id: str) -> Path:
    folder = mirror / repo_id
    shutil.copytree(good, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def rewrite_card(folder: Path, *, license: str | None = "apache-2.0", body: str | None = None) -> None:
    """Replace the card's front matter (license) and, optionally, its text."""
    _, old_body = (folder / "README.md").read_text().split("\n---\n", 1)
    meta = f"license: {license}\n" if license else "language: en\n"
    (folder / "README.md").write_text(f"---\n{meta}---\n{body if body is not None else old_body}")


def make_pickle_only(folder: Path) -> None:
    import torch
    from safetensors.torch import load_file

    weights = folder / "model.safetensors"
    torch.save(load_file(weights), folder / "pytorch_model.bin")
    weights.unlink()


def make_remote_code(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="podium-custom", auto_map={"AutoConfig": "configuration_custom.CustomConfig",
                                                       "AutoModelForCausalLM": "modeling_custom.CustomModel"})
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "configuration_custom.py").write_text("raise SystemExit('remote code must never run')\n")


def make_corrupt(folder: Path) -> None:
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) - 1000])


def remove_chat_template(folder: Path) -> None:
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config.pop("chat_template", None)
    config_path.write_text(json.dumps(config))


def make_fake_eval(folder: Path, mode: str, seconds: float = 0.3) -> None:
    (folder / "fake_eval.json").write_text(json.dumps({"mode": mode, "seconds": seconds}))


def build_lora(base: Path, out: Path, *, seed: int = 0, base_name: str | None = None) -> Path:
    """A real PEFT LoRA on a GPT-2 demo model, with non-zero weights (so it changes the scores);
    `base_name` replaces the base path peft records in adapter_config.json (e.g. a mirror id)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"], fan_in_fan_out=True,
                        init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(out)
    if base_name:
        config_path = out / "adapter_config.json"
        config_path.write_text(json.dumps({**json.loads(config_path.read_text()),
                                           "base_model_name_or_path": base_name}))
    return out


def build_delta(base: Path, full: Path, out: Path) -> Path:
    """full - base, tensor by tensor, in float32."""
    from safetensors.torch import load_file, save_file

    base_t, full_t = load_file(base / "model.safetensors"), load_file(full / "model.safetensors")
    out.mkdir(parents=True)
    save_file({k: full_t[k] - base_t[k] for k in base_t}, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out
