// The leaderboard table. The whole view (search, filters, sort, columns, pins, page) lives in
// the URL's query string, which is also exactly what /api/boards/<suite> accepts: a shared link
// reproduces the view, and every change is one fetch of the server's filtered, sorted page.
(() => {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const $$ = (sel) => Array.from(document.querySelectorAll(sel));
  const data = JSON.parse($("#board-data").textContent);
  const suite = data.suite;
  const columns = data.columns;
  const steps = data.slider_steps;            // parameter stops in billions; the last (null) means "no limit"
  const KEEP_EMPTY = new Set(["cols"]);       // cols= (nothing) differs from no cols (the defaults)
  let state = Object.fromEntries(new URLSearchParams(location.search));
  let current = data.page;
  let timer = null;

  const list = (key) => (state[key] || "").split(",").filter(Boolean);
  const setList = (key, values) => { if (values.length) state[key] = values.join(","); else delete state[key]; };

  function queryString() {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v !== "" || KEEP_EMPTY.has(k)) params.set(k, v);
    return params.toString();
  }

  async function refresh() {
    const qs = queryString();
    history.replaceState(null, "", qs ? "?" + qs : location.pathname);
    $("#csv").href = `/api/boards/${suite}/export.csv` + (qs ? "?" + qs : "");
    const res = await fetch(`/api/boards/${suite}` + (qs ? "?" + qs : ""), {headers: {Accept: "application/json"}});
    const body = await res.json();
    $("#search-error").textContent = res.ok ? "" : body.error.message;
    if (!res.ok) return;
    current = body;
    render();
  }

  function change(mutate, keepPage) {
    mutate();
    if (!keepPage) delete state.page;
    refresh();
  }

  // ---- cells ----------------------------------------------------------------------------
  function fmt(value, kind, key) {
    if (value === null || value === undefined) return "–";
    if (kind === "bool") return value ? "✓" : "·";
    if (kind === "number") return key === "co2" ? value.toFixed(3) : key === "generation" || key === "votes" || key === "likes" ? String(value) : value.toFixed(2);
    return String(value);
  }

  function highlighted(name, spans) {
    const frag = document.createDocumentFragment();
    let at = 0;
    for (const [start, end] of spans) {
      if (start > at) frag.append(name.slice(at, start));
      const mark = document.createElement("mark");
      mark.textContent = name.slice(start, end);
      frag.append(mark);
      at = end;
    }
    frag.append(name.slice(at));
    return frag;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  function modelCell(row) {
    const pinned = list("pins").includes(String(row.id));
    const pin = el("button", {type: "button", class: "pin" + (pinned ? " on" : ""), title: pinned ? "Unpin" : "Pin to the top",
                              "aria-pressed": String(pinned), "data-id": row.id}, "📌");
    const cell = el("td", {class: "model"}, pin, " ", el("a", {href: `/entries/${row.id}`}, highlighted(row.model, row.highlight)));
    if (row.hub) cell.append(" ", el("a", {href: `https://huggingface.co/${row.model}`, class: "hub", title: "on the Hugging Face Hub", rel: "noopener"}, "↗"));
    if (row.picked) cell.append(" ", el("span", {class: "pick", title: "Maintainer's pick: " + row.pick_reason}, "⭐"));
    if (row.flagged) cell.append(" ", el("a", {href: row.flag_url || `/entries/${row.id}#flags`, class: "flag", title: "Flagged: " + (row.flag_reason || "see evidence")}, "🚩"));
    return cell;
  }

  function rangeCell(range) {
    if (!range) return el("td", {class: "num range", title: "incomplete average: not ranked"}, "–");
    if (!range.estimated) return el("td", {class: "num range point", title: "No standard error recorded: the point rank, not a range"}, `${range.best}`);
    const text = range.best === range.worst ? `${range.best}` : `${range.best}–${range.worst}`;
    return el("td", {class: "num range", title: `With 95% probability, all models at once: rank ${range.best} to ${range.worst}`}, text);
  }

  function averageCell(row) {
    const td = el("td", {class: "num avg"}, fmt(row.average, "number"));
    if (row.notice) td.append(" ", el("span", {class: row.complete ? "deviates" : "incomplete", title: row.notice}, row.complete ? "⚠" : "*"));
    return td;
  }

  function cell(row, col) {
    switch (col.key) {
      case "rank": return row.rank === null ? el("td", {class: "num unranked", title: "incomplete average: not ranked"}, "–")
                                            : el("td", {class: "num"}, String(row.rank));
      case "rank_interval": return rangeCell(row.rank_interval);
      case "type": return el("td", {title: row.type}, data.icons[row.type] || "❓");
      case "model": return modelCell(row);
      case "average": return averageCell(row);
      default: {
        const value = col.key in row.scores ? row.scores[col.key] : row[col.key];
        return el("td", {class: col.kind === "number" ? "num" : ""}, fmt(value, col.kind, col.key));
      }
    }
  }

  function visibleColumns() {
    const chosen = state.cols === undefined ? null : new Set(list("cols"));
    return columns.filter((c) => !c.optional || (chosen ? chosen.has(c.key) : c.shown));
  }

  function header(cols) {
    const sort = state.sort || "average", desc = (state.order || "desc") === "desc";
    const tr = el("tr");
    for (const col of cols) {
      const active = sort === col.key;
      const th = el("th", {scope: "col", "aria-sort": active ? (desc ? "descending" : "ascending") : "none", title: col.about || ""});
      const button = el("button", {type: "button", class: "sort", "data-key": col.key}, col.title + (active ? (desc ? " ▼" : " ▲") : ""));
      th.append(button);
      tr.append(th);
    }
    return tr;
  }

  function render() {
    const cols = visibleColumns();
    $("#board thead").replaceChildren(header(cols));
    const body = [];
    let section = false;
    for (const row of [...current.pinned, ...current.rows]) {
      if (!row.pinned && !row.complete && !section) {  // incomplete averages come last, in their own section
        section = true;
        body.push(el("tr", {class: "section"}, el("td", {colspan: cols.length}, "Incomplete averages: a task is missing, so these are not ranked")));
      }
      const tr = el("tr", {"data-id": row.id, class: (row.pinned ? "pinned" : "") + (row.complete ? "" : " incomplete")});
      for (const col of cols) tr.append(cell(row, col));
      body.push(tr);
    }
    if (!body.length) {
      const why = !current.board_total ? "No results on this board yet: submitted models appear here when their evaluation finishes."
        : current.board_incomplete && !current.incomplete ? `No complete average matches: ${hiddenIncomplete()}.` : "No model matches these filters.";
      body.push(el("tr", {}, el("td", {colspan: cols.length, class: "empty"}, why)));
    }
    $("#board tbody").replaceChildren(...body);
    $("#count").textContent = `${current.total} of ${current.board_total} models` + (current.pinned.length ? `, ${current.pinned.length} pinned` : "")
      + (current.board_incomplete && !current.incomplete ? `; ${hiddenIncomplete()}` : "")
      + (allIncomplete() && current.incomplete && state.incomplete === undefined
        ? "; no model on this board has a complete average yet, so the incomplete ones are listed, not ranked" : "");
    $("#show-incomplete").checked = current.incomplete;
    $("#page-label").textContent = `page ${current.page} of ${current.pages}`;
    $("#prev").disabled = current.page <= 1;
    $("#next").disabled = current.page >= current.pages;
    $("#compare-pinned").href = "/compare?ids=" + list("pins").join(",");
    versionPicker();
    if (!document.body.dataset.ready) performance.mark("board-ready");  // time to interactive (benchmarks/web.py)
    document.body.dataset.ready = "1";
  }

  function allIncomplete() {
    return current.board_total > 0 && current.board_incomplete === current.board_total;
  }

  function hiddenIncomplete() {
    const n = current.board_incomplete;
    return `${n} ${n === 1 ? "model whose average lacks a task is" : "models whose averages lack a task are"} not ranked and hidden (tick "show" under Incomplete averages)`;
  }

  // ---- controls ---------------------------------------------------------------------------
  function versionPicker() {
    const options = current.versions.map((v) => el("option", {value: v.version},
      `${v.version}${v.current ? " (current)" : " (older)"}: ${v.entries} ${v.entries === 1 ? "entry" : "entries"}, newest ${v.latest}`));
    $("#version").replaceChildren(...options);
    $("#version").value = current.version || "";
    $("#version").disabled = options.length < 2;
  }

  function stepIndex(value, fallback) {
    if (value === undefined || value === "") return fallback;
    const i = steps.findIndex((s) => s !== null && s >= Number(value));
    return i < 0 ? steps.length - 1 : i;
  }

  function sliderLabel() {
    const lo = state.params_min, hi = state.params_max;
    $("#params-label").textContent = lo || hi ? `${lo || 0} – ${hi || "∞"}` : "any";
  }

  function syncControls() {
    $("#q").value = state.q || "";
    for (const name of ["scores", "rank"]) {
      const value = state[name] || (name === "scores" ? "normalized" : "static");
      for (const r of $$(`input[name=${name}]`)) r.checked = r.value === value;
    }
    for (const name of ["type", "precision", "only", "hide"]) {
      const chosen = new Set(list(name));
      for (const box of $$(`input[name=${name}]`)) box.checked = chosen.has(box.value);
    }
    $("#params-min").value = stepIndex(state.params_min, 0);
    $("#params-max").value = stepIndex(state.params_max, steps.length - 1);
    sliderLabel();
    for (const b of $$(".preset")) b.setAttribute("aria-pressed", String(state.preset === b.dataset.preset));
    const chosen = state.cols === undefined ? null : new Set(list("cols"));
    for (const box of $$("#column-picker input")) box.checked = chosen ? chosen.has(box.value) : box.dataset.shown === "1";
  }

  function buildPicker() {
    const picker = $("#column-picker");
    for (const col of columns.filter((c) => c.optional)) {
      const box = el("input", {type: "checkbox", value: col.key, "data-shown": col.shown ? "1" : "0"});
      picker.append(el("label", {}, box, " " + col.title));
    }
  }

  function wire() {
    $("#q").addEventListener("input", (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => change(() => { if (e.target.value.trim()) state.q = e.target.value; else delete state.q; }), 250);
    });
    for (const name of ["scores", "rank"]) {
      for (const r of $$(`input[name=${name}]`)) r.addEventListener("change", () => change(() => { state[name] = r.value; }, true));
    }
    for (const name of ["type", "precision", "only", "hide"]) {
      for (const box of $$(`input[name=${name}]`)) box.addEventListener("change", () => change(() => setList(name, $$(`input[name=${name}]:checked`).map((b) => b.value))));
    }
    const slide = () => change(() => {
      let lo = Number($("#params-min").value), hi = Number($("#params-max").value);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (lo > 0) state.params_min = String(steps[lo]); else delete state.params_min;
      if (steps[hi] !== null) state.params_max = String(steps[hi]); else delete state.params_max;
      delete state.preset;
      sliderLabel();
    });
    $("#show-incomplete").addEventListener("change", (e) => change(() => {
      // The default shows them on a board where every average is incomplete: unticking there must say "hide".
      if (e.target.checked === allIncomplete()) delete state.incomplete; else state.incomplete = e.target.checked ? "show" : "hide";
    }));
    $("#params-min").addEventListener("change", slide);
    $("#params-max").addEventListener("change", slide);
    for (const b of $$(".preset")) b.addEventListener("click", () => change(() => {
      const on = state.preset === b.dataset.preset;
      delete state.params_min; delete state.params_max;
      if (on) delete state.preset; else state.preset = b.dataset.preset;
      syncControls();
    }));
    $("#column-picker").addEventListener("change", () => change(() => { state.cols = $$("#column-picker input:checked").map((b) => b.value).join(","); }, true));
    $("#board thead").addEventListener("click", (e) => {
      const button = e.target.closest("button.sort");
      if (!button) return;
      const key = button.dataset.key, col = columns.find((c) => c.key === key);
      change(() => {
        if ((state.sort || "average") === key) state.order = (state.order || "desc") === "desc" ? "asc" : "desc";
        else { state.sort = key; state.order = col.kind === "text" ? "asc" : "desc"; }
      });
    });
    $("#board tbody").addEventListener("click", (e) => {
      const pin = e.target.closest("button.pin");
      if (!pin) return;
      const id = pin.dataset.id, pins = list("pins");
      change(() => setList("pins", pins.includes(id) ? pins.filter((p) => p !== id) : [...pins, id]), true);
    });
    $("#prev").addEventListener("click", () => change(() => { state.page = String(current.page - 1); }, true));
    $("#next").addEventListener("click", () => change(() => { state.page = String(current.page + 1); }, true));
    $("#version").addEventListener("change", (e) => change(() => {
      const chosen = current.versions.find((v) => v.version === e.target.value);
      if (!chosen || chosen.current) delete state.version; else state.version = chosen.version;
    }));
    $("#reset").addEventListener("click", () => change(() => { state = {}; syncControls(); }));
  }

  buildPicker();
  syncControls();
  wire();
  $("#csv").href = `/api/boards/${suite}/export.csv` + (location.search || "");
  render();
})();
