"""Counters and peaks of the `podium` backend, for logs, results and benchmarks (a mixin of `PodiumLM`)."""

from __future__ import annotations

import logging

from podium.engine.memory import PeakMemory

log = logging.getLogger("podium.engine.backend")


class EngineReporting:
    """Needs `runner`, `scorer`, `generator`, `prefix_cache`, `peak`, `cuda_peaks`, `batch_plan`."""

    def get_model_info(self) -> dict:
        return {
            "model_num_parameters": sum(p.numel() for p in self._model.parameters()),
            "model_dtype": self._model.dtype,
            "model_revision": self.revision,
            "model_sha": "",
            "engine": "podium",
            "engine_mode": self.runner.caps.mode,
        }

    def _note_peak(self, mem: PeakMemory) -> None:
        for k, v in mem.report.as_dict().items():
            if k.startswith("peak_"):
                self.peak[k] = max(self.peak.get(k, 0.0), v)
        seen = mem.report.cuda_peaks or []
        n = max(len(seen), len(self.cuda_peaks))
        pad = lambda xs: list(xs) + [0] * (n - len(xs))  # noqa: E731
        self.cuda_peaks = [max(a, b) for a, b in zip(pad(self.cuda_peaks), pad(seen))]

    def describe_batch(self) -> dict:
        """The resolved batch settings (see `sizing.py`), for the result's hardware block."""
        return {**self.batch_plan.as_dict(), "kv_budget_mb": round(self.kv_budget_bytes / 2**20, 1)}

    def engine_stats(self) -> dict:
        """Counters for reports and benchmarks (cumulative over this instance's calls)."""
        s, g, f, pc = self.scorer.stats, self.generator.stats, self.runner.stats, self.prefix_cache.stats
        return {
            "mode": self.runner.caps.mode,
            "mode_notes": list(self.runner.caps.notes),
            "split_attention": self.runner.caps.split_attention,
            "forward_calls": f.calls,
            "forwarded_tokens": f.tokens,
            "forward_seconds": round(f.seconds, 3),
            "ll_requests": s.requests,
            "ll_forwarded_tokens": s.forwarded_tokens,
            "ll_trie_tokens": s.trie_tokens,
            "ll_reforwarded_tokens": s.reforwarded_tokens,
            "ll_naive_tokens": s.naive_tokens,
            "ll_packs": s.packs,
            "ll_segments": s.segments,
            "ll_peak_kv_mb": round(s.peak_kv_bytes / 2**20, 1),
            "gen_rows": g.rows,
            "gen_prompt_tokens": g.prompt_tokens,
            "gen_prefill_tokens": g.prefill_tokens,
            "gen_new_tokens": g.new_tokens,
            "gen_decode_steps": g.decode_steps,
            "gen_decode_row_steps": g.decode_row_steps,
            "gen_peak_batch_kv_mb": round(g.peak_batch_kv_bytes / 2**20, 1),
            "gen_hf_fallback_requests": self.hf_generate_requests,
            "prefix_cache_budget_mb": round(self.prefix_cache.budget / 2**20, 1),
            "prefix_cache_peak_mb": round(pc.peak_bytes / 2**20, 1),
            "prefix_cache_hits": pc.hits,
            "prefix_cache_hit_tokens": pc.hit_tokens,
            "prefix_cache_evictions": pc.evictions,
            **self.peak,
        }

    def _log_summary(self, what: str) -> None:
        st = self.engine_stats()
        log.info(
            "podium %s: mode=%s forwarded=%d tokens (trie minimum %d for log-likelihood) peak_rss=%.0f MB "
            "prefix_cache=%.0f/%.0f MB",
            what,
            st["mode"],
            st["forwarded_tokens"],
            st["ll_trie_tokens"],
            st.get("peak_rss_mb", 0.0),
            st["prefix_cache_peak_mb"],
            st["prefix_cache_budget_mb"],
        )
