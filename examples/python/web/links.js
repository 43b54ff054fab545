// The page of a knowledge-graph model trained on triples: the entities
// that best complete (entity, relation, ?) or (?, relation, entity), from
// POST /links, with the query in the address bar
// (?entity=NAME&relation=NAME&direction=heads&k=N&known=1).  app.js calls
// startLinks() when the catalog holds "kg"; it shares app.js's $, el and
// call.
"use strict";

const links = {
  request: 0,   // the latest query's number: older answers are dropped
  timer: 0,
  search: 0,    // the latest entity search's number
};

function linkDirection() {
  return document.querySelector("input[name=direction]:checked").value;
}

function readLinkUrl(kg) {
  const q = new URLSearchParams(location.search);
  $("entity").value = q.get("entity") || kg.entity_names[0] || "";
  if (q.has("relation")) $("relation").value = q.get("relation");
  const dir = q.get("direction") === "heads" ? "heads" : "tails";
  for (const r of document.querySelectorAll("input[name=direction]")) r.checked = r.value === dir;
  if (q.has("k")) $("link-k").value = q.get("k");
  $("exclude-known").checked = q.get("known") !== "1";
}

function writeLinkUrl() {
  const q = new URLSearchParams();
  if ($("entity").value.trim()) q.set("entity", $("entity").value.trim());
  q.set("relation", $("relation").value);
  if (linkDirection() === "heads") q.set("direction", "heads");
  if ($("link-k").value.trim() && $("link-k").value.trim() !== "10") q.set("k", $("link-k").value.trim());
  if (!$("exclude-known").checked) q.set("known", "1");
  history.replaceState(null, "", "?" + q.toString());
}

// The /links body of the controls; throws on what the page can check itself.
function linkBody() {
  const entity = $("entity").value.trim();
  if (!entity) throw new Error("Choose an entity by its name.");
  const body = {relation: $("relation").value, exclude_training: $("exclude-known").checked};
  body[linkDirection() === "tails" ? "head" : "tail"] = entity;
  const k = $("link-k").value.trim();
  if (k) {
    if (!/^\d+$/.test(k) || Number(k) < 1) throw new Error("K must be a whole number of at least 1.");
    body.k = Number(k);
  }
  return body;
}

function scheduleLinks(delay) {
  clearTimeout(links.timer);
  links.timer = setTimeout(updateLinks, delay);
}

async function updateLinks() {
  const number = ++links.request;
  writeLinkUrl();
  document.body.dataset.state = "loading";
  try {
    const body = linkBody();
    finishLinks(number, null, body, await call("/links", body));
  } catch (e) {
    finishLinks(number, e);
  }
}

function finishLinks(number, error, body, result) {
  if (number !== links.request) return;
  $("link-error").hidden = !error;
  $("link-error").textContent = error ? (error.status ? "The service refused the query: " : "") + error.message : "";
  const list = $("links");
  list.replaceChildren();
  $("links-query").textContent = "";
  if (!error) {
    const tails = body.head !== undefined;
    $("links-query").textContent = tails ? "(" + body.head + ", " + body.relation + ", ?)"
                                         : "(?, " + body.relation + ", " + body.tail + ")";
    for (const e of result.entities) {
      list.append(el("li", {"data-entity": e.name}, el("span", {class: "title"}, e.name), " ",
                     el("span", {class: "meta score"}, "score " + e.score.toFixed(4))));
    }
    if (!result.entities.length) list.append(el("li", {class: "hint"}, "No entity is left to complete it."));
  }
  document.body.dataset.state = error ? "error" : "ready";
  document.body.dataset.renders = String(Number(document.body.dataset.renders) + 1);
}

// Names holding what is typed, offered by the entity field.
async function searchEntities() {
  const number = ++links.search;
  const q = $("entity").value.trim();
  if (!q) return;
  try {
    const r = await call("/entities?limit=20&q=" + encodeURIComponent(q));
    if (number === links.search) $("entity-names").replaceChildren(...r.entities.map((n) => el("option", {value: n})));
  } catch (e) {
    // the list keeps its last names; the query itself reports errors
  }
}

function startLinks(c) {
  $("rec-view").hidden = true;
  $("links-view").hidden = false;
  document.title = "gnnrec: link prediction";
  $("model-info").textContent = c.model + " model, " + c.dim + " dimensions: " + c.kg.entities + " entities, " +
    c.kg.relations.length + " relations.";
  $("relation").replaceChildren(...c.kg.relations.map((r) => el("option", {value: r}, r)));
  $("entity-names").replaceChildren(...c.kg.entity_names.map((n) => el("option", {value: n})));
  $("link-k").max = String(Math.min(100, c.kg.entities));
  readLinkUrl(c.kg);
  const form = $("link-controls");
  form.addEventListener("submit", (e) => { e.preventDefault(); scheduleLinks(0); });
  form.addEventListener("change", () => scheduleLinks(0));
  form.addEventListener("input", (e) => {
    if (e.target.id === "entity") searchEntities();
    if (e.target.type !== "checkbox" && e.target.type !== "radio") scheduleLinks(400);
  });
  updateLinks();
}
