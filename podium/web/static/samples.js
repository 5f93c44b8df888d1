// The sample browser of a model page: pick a task (and subtask), search, keep only wrong answers,
// page through. Samples come from /api/entries/<id>/samples/<task>; text is inserted as text, never HTML.
(() => {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const data = JSON.parse($("#samples-data").textContent);
  const tasks = data.tasks;
  let page = 1, timer = null;

  function el(tag, cls, ...children) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    node.append(...children);
    return node;
  }

  function fillSubtasks() {
    const task = tasks[$("#sample-task").value];
    const files = task ? task.files : [];
    $("#sample-subtask").replaceChildren(...files.map((f) => new Option(f, f)));
    $("#sample-subtask").disabled = files.length < 2;
  }

  function choiceList(s) {
    const list = el("ol", "choices");
    s.choices.forEach((choice, i) => {
      const ll = s.loglikelihoods[i];
      const marks = (i === s.prediction_index ? " ← predicted" : "") + (i === s.target_index ? " ✓ target" : "");
      const item = el("li", i === s.target_index ? "target" : i === s.prediction_index ? "predicted" : "",
                      el("span", "choice", choice), el("span", "ll", ll === undefined ? "" : ` log-likelihood ${ll.toFixed(3)}`),
                      el("strong", "", marks));
      list.append(item);
    });
    return list;
  }

  function sampleItem(s) {
    const verdict = s.correct === null ? "" : s.correct ? "correct" : "wrong";
    const item = el("li", "sample " + verdict);
    item.append(el("div", "sample-head", `doc ${s.doc_id}`, el("span", "verdict " + verdict, verdict || "scored " + s.score)));
    item.append(el("details", "", el("summary", "", "Prompt"), el("pre", "prompt", s.prompt || "")));
    if (s.choices.length) item.append(choiceList(s));
    else {
      item.append(el("p", "", el("strong", "", "Prediction: "), el("code", "", String(s.prediction ?? "–"))));
      item.append(el("p", "", el("strong", "", "Target: "), el("code", "", String(s.target ?? "–"))));
    }
    return item;
  }

  async function load() {
    const task = $("#sample-task").value;
    if (!task) { $("#sample-count").textContent = "No public samples were kept for this run."; return; }
    const params = new URLSearchParams({subtask: $("#sample-subtask").value, q: $("#sample-q").value,
                                        wrong: $("#sample-wrong").checked, page: page});
    const res = await fetch(`/api/entries/${data.entry}/samples/${encodeURIComponent(task)}?${params}`);
    const body = await res.json();
    if (!res.ok) { $("#sample-count").textContent = body.error.message; $("#sample-list").replaceChildren(); return; }
    page = body.page;
    $("#sample-count").textContent = `${body.total} sample${body.total === 1 ? "" : "s"}`;
    $("#sample-list").replaceChildren(...body.samples.map(sampleItem));
    $("#sample-page").textContent = `page ${body.page} of ${body.pages}`;
    $("#sample-prev").disabled = body.page <= 1;
    $("#sample-next").disabled = body.page >= body.pages;
  }

  const reload = () => { page = 1; load(); };
  $("#sample-task").replaceChildren(...Object.entries(tasks).map(([key, t]) => new Option(t.title + (t.visibility !== "public" ? ` (${t.visibility})` : ""), key)));
  fillSubtasks();
  $("#sample-task").addEventListener("change", () => { fillSubtasks(); reload(); });
  $("#sample-subtask").addEventListener("change", reload);
  $("#sample-wrong").addEventListener("change", reload);
  $("#sample-q").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(reload, 250); });
  $("#sample-prev").addEventListener("click", () => { page -= 1; load(); });
  $("#sample-next").addEventListener("click", () => { page += 1; load(); });
  load();
})();
