// Submit form: the base model is required for Delta/Adapter weights (optional otherwise); the chat
// template ticked when the model type becomes "chat", unless the submitter already set the box themselves.
(() => {
  "use strict";
  const weight = document.getElementById("weight-type");
  const type = document.getElementById("model-type");
  const chat = document.getElementById("chat-template");
  let touched = false;
  chat.addEventListener("change", () => { touched = true; });
  weight.addEventListener("change", () => {
    document.getElementById("base-model").required = ["Delta", "Adapter"].includes(weight.value);
  });
  type.addEventListener("change", () => { if (!touched) chat.checked = type.value === "chat"; });
})();
