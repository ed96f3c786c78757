// persona360 web UI: the few things a server-rendered page cannot do alone.
// Every page works without this file; it adds infinite scroll, auto-submitting
// filters, the live segment preview and closing the header's menu from outside.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setupTimeline() {
  const list = document.getElementById("timeline");
  const more = document.getElementById("timeline-more");
  if (!list || !more) return;
  let loading = false;
  async function loadNext() {
    const cursor = list.dataset.next;
    if (loading || !cursor) return;
    loading = true;
    const url = `${list.dataset.src}?cursor=${encodeURIComponent(cursor)}&type=${encodeURIComponent(list.dataset.type)}&part=rows`;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      list.insertAdjacentHTML("beforeend", await response.text());
      list.dataset.next = response.headers.get("X-Next-Cursor") || "";
      if (!list.dataset.next) more.parentElement.remove();
    } catch (error) {
      more.textContent = "Could not load older events; try again";
    } finally {
      loading = false;
    }
  }
  more.addEventListener("click", (event) => { event.preventDefault(); loadNext(); });
  if ("IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadNext();
    }, { rootMargin: "300px" }).observe(more);
  }
}

function setupAutosubmit() {
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }
}

function showConditionError(box, error) {
  box.replaceChildren();
  const reason = document.createElement("p");
  reason.className = "reason";
  reason.textContent = (error.line ? `Line ${error.line}, column ${error.column}: ` : "") + error.reason;
  box.append(reason);
  if (error.text && error.column) {
    const caret = document.createElement("pre");
    caret.className = "caret";
    caret.setAttribute("aria-hidden", "true");
    caret.textContent = `${error.text}\n${" ".repeat(error.column - 1)}^`;
    box.append(caret);
  }
  box.hidden = false;
}

function showSample(table, sample) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const row of sample) {
    const tr = document.createElement("tr");
    const link = document.createElement("a");
    link.href = `/profiles/${row.profile_id}`;
    link.textContent = `#${row.profile_id}`;
    const cells = [link, row.email || "", String(row.orders), row.revenue_text];
    cells.forEach((value, index) => {
      const td = document.createElement("td");
      if (index >= 2) td.className = "num";
      td.append(value);
      tr.append(td);
    });
    body.append(tr);
  }
  table.hidden = sample.length === 0;
}

// A condition that reads an event property its events never carry (see segments/unseen.py).
function showWarnings(list, warnings) {
  list.replaceChildren(...warnings.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  list.hidden = warnings.length === 0;
}

function setupPreview() {
  const area = document.getElementById("condition");
  if (!area || !area.dataset.preview) return;
  const size = document.getElementById("preview-size");
  const box = document.getElementById("condition-error");
  const table = document.getElementById("preview-sample");
  const warnings = document.getElementById("preview-warnings");
  let timer = null;
  let latest = 0;
  async function preview() {
    const text = area.value.trim();
    if (!text) return;
    const ticket = ++latest;
    size.classList.add("busy");
    try {
      const response = await fetch(area.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ condition: area.value }),
      });
      const answer = await response.json();
      if (ticket !== latest) return;  // a newer keystroke already asked again
      if (answer.ok) {
        box.hidden = true;
        area.removeAttribute("aria-invalid");
        size.textContent = `${answer.size.toLocaleString("en")} profiles match`;
        showSample(table, answer.sample);
        showWarnings(warnings, answer.warnings || []);
      } else {
        area.setAttribute("aria-invalid", "true");
        size.textContent = "The condition has an error";
        showConditionError(box, answer.error);
        table.hidden = true;
        showWarnings(warnings, []);
      }
    } catch (error) {
      size.textContent = "Preview unavailable";
    } finally {
      if (ticket === latest) size.classList.remove("busy");
    }
  }
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  });
  if (area.value.trim()) preview();
}

// The header's "More" menu is a <details>, which opens and closes by itself; as a menu
// it should also close on a click elsewhere or on Escape (focus returns to its summary
// when it was inside the menu).
function setupMenus() {
  const menus = document.querySelectorAll(".site-header details");
  if (menus.length === 0) return;
  document.addEventListener("click", (event) => {
    for (const menu of menus) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus) {
      if (!menu.open) continue;
      const focused = menu.contains(document.activeElement);
      menu.open = false;
      if (focused) menu.querySelector("summary").focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupMenus();
  setupTimeline();
  setupAutosubmit();
  setupPreview();
});
