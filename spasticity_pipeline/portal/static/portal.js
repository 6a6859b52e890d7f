// The NHS.UK frontend's components, and the pre-flight check's progress (polls its status).
import { initAll } from "/assets/nhsuk-frontend.min.js";

initAll();

const progress = document.getElementById("progress");
if (progress) {
  const stage = document.getElementById("stage");
  const poll = async () => {
    try {
      const res = await fetch(progress.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" });
      if (res.ok) {
        const s = await res.json();
        if (s.state !== "validating") { window.location.reload(); return; }
        if (stage && s.stage) { stage.textContent = s.stage; }
      }
    } catch (e) { /* try again */ }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}

const form = document.getElementById("upload-form");
if (form) {
  form.addEventListener("submit", (event) => {
    const input = document.getElementById("files");
    const max = Number(form.dataset.maxBytes);
    let total = 0;
    for (const f of input.files) { total += f.size; }
    if (max && total > max) {
      event.preventDefault();
      alert(`These files are ${(total / 1048576).toFixed(1)} MB together; the limit is ${(max / 1048576).toFixed(0)} MB.`);
    }
  });
}
