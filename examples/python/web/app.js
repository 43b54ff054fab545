// The service's page: settings in the address bar (?user=ID&genres=...),
// recommendations from POST /recommend, a graph of the top K and a map of
// the movies, both drawn as SVG; for a knowledge-graph model trained on
// triples, link prediction (links.js).  No libraries, no build step.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

const state = {
  catalog: null,       // GET /catalog
  map: null,           // GET /map
  liked: [],           // a new user's liked movies: [{item, title, year, genres}]
  history: null,       // GET /users/ID of the chosen user
  marked: [[], []],    // the recommendations and liked movies the map marks
  request: 0,          // the latest update's number: older answers are dropped
  timer: 0,
};

// ---- the address bar <-> the controls ---------------------------------------

// The liked items of the address: one `liked` a movie (an id, or a name
// where the model's ids are names), or integer ids joined by commas.
function readUrl() {
  const q = new URLSearchParams(location.search);
  const liked = q.getAll("liked").filter(Boolean)
    .flatMap((v) => /^-?\d+(,-?\d+)*$/.test(v) ? v.split(",").map(Number) : [v]);
  if (q.has("user")) $("user").value = q.get("user");
  setMode(liked.length && !q.has("user") ? "new" : "user");
  const genres = new Set((q.get("genres") || "").split(",").filter(Boolean));
  for (const box of document.querySelectorAll("#genres input")) box.checked = genres.has(box.value);
  $("year-min").value = q.get("year_min") || "";
  $("year-max").value = q.get("year_max") || "";
  $("min-score").value = q.get("min_score") || "";
  if (q.has("k")) $("k").value = q.get("k");
  $("exclude-seen").checked = q.get("seen") !== "1";
  return liked;
}

function writeUrl() {
  const q = new URLSearchParams();
  if (mode() === "user") {
    if ($("user").value.trim()) q.set("user", $("user").value.trim());
  } else if (state.liked.length) {
    for (const m of state.liked) q.append("liked", String(m.item));
  }
  const genres = checkedGenres();
  if (genres.length) q.set("genres", genres.join(","));
  for (const [key, id] of [["year_min", "year-min"], ["year_max", "year-max"], ["min_score", "min-score"]]) {
    if ($(id).value.trim()) q.set(key, $(id).value.trim());
  }
  if ($("k").value.trim() && $("k").value.trim() !== "10") q.set("k", $("k").value.trim());
  if (!$("exclude-seen").checked) q.set("seen", "1");
  const query = q.toString();
  history.replaceState(null, "", query ? "?" + query : location.pathname);
}

function mode() {
  return document.querySelector("input[name=mode]:checked").value;
}

function setMode(m) {
  for (const r of document.querySelectorAll("input[name=mode]")) r.checked = r.value === m;
  $("user-pick").hidden = m !== "user";
  $("new-pick").hidden = m !== "new";
}

function checkedGenres() {
  return [...document.querySelectorAll("#genres input:checked")].map((b) => b.value);
}

// ---- talking to the service -------------------------------------------------------

async function call(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Error("the service cannot be reached (" + e.message + ")");
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (e) {
    payload = null;
  }
  if (!response.ok) {
    const message = payload && payload.error ? payload.error : "HTTP " + response.status;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return payload;
}

// The /recommend body of the current settings; throws on a field the page
// can check itself (the service checks everything again).
function requestBody() {
  const body = {k: 10, explain: true, exclude_seen: $("exclude-seen").checked};
  if (mode() === "user") {
    const text = $("user").value.trim();
    if (!text) throw new Error("Choose a user: an id (a whole number), or a name where the model's ids are names.");
    // a model whose ids are names takes the name as it is; the service says when a name is not an id
    body.user_id = /^-?\d+$/.test(text) ? Number(text) : text;
    if (typeof body.user_id === "number" && !Number.isSafeInteger(body.user_id))
      throw new Error("The user id " + text + " is too large.");
  } else {
    if (!state.liked.length) return null;
    body.liked = state.liked.map((m) => m.item);
  }
  const k = $("k").value.trim();
  if (k) {
    if (!/^\d+$/.test(k) || Number(k) < 1) throw new Error("K must be a whole number of at least 1.");
    body.k = Number(k);
  }
  const genres = checkedGenres();
  if (genres.length) body.genres = genres;
  for (const [key, id] of [["year_min", "year-min"], ["year_max", "year-max"]]) {
    const v = $(id).value.trim();
    if (v) {
      if (!/^\d+$/.test(v)) throw new Error("A year is a whole number, got " + v + ".");
      body[key] = Number(v);
    }
  }
  const s = $("min-score").value.trim();
  if (s) {
    if (!Number.isFinite(Number(s))) throw new Error("The minimum score must be a number, got " + s + ".");
    body.min_score = Number(s);
  }
  return body;
}

function schedule(delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(update, delay);
}

async function update() {
  const number = ++state.request;
  writeUrl();
  document.body.dataset.state = "loading";
  let body;
  try {
    body = requestBody();
  } catch (e) {
    return finish(number, e);
  }
  if (body === null) return finish(number, null, {empty: true});
  try {
    const userPath = body.user_id !== undefined ? "/users/" + encodeURIComponent(body.user_id) : null;
    const [top, least, history] = await Promise.all([
      call("/recommend", body),
      call("/recommend", Object.assign({}, body, {least: true})),
      userPath ? call(userPath) : Promise.resolve(null),
    ]);
    finish(number, null, {top, least, history});
  } catch (e) {
    finish(number, e);
  }
}

// Show one update's outcome, unless a later update has started since.
function finish(number, error, result) {
  if (number !== state.request) return;
  const failed = Boolean(error);
  $("error").hidden = !failed;
  $("error").textContent = failed ? errorText(error) : "";
  if (failed || result.empty) {
    showList($("top"), [], null);
    showList($("least"), [], null);
    drawGraph([], [], null);
    markMap([], []);
    $("user-summary").textContent = "";
    state.marked = [[], []];
  } else {
    state.history = result.history;
    const liked = result.history ? result.history.items : state.liked;
    showList($("top"), result.top.items, liked);
    showList($("least"), result.least.items, liked);
    $("user-summary").textContent = result.history ? describeUser(result.history) : "";
    drawGraph(result.top.items, liked, result.history ? result.history.user_id : null);
    markMap(result.top.items, liked);
    state.marked = [result.top.items, liked];
  }
  $("liked-empty").hidden = state.liked.length > 0;
  document.body.dataset.state = failed ? "error" : "ready";
  document.body.dataset.renders = String(Number(document.body.dataset.renders) + 1);
}

function errorText(e) {
  if (e.status === 404 && mode() === "user") {
    return "Unknown user " + $("user").value.trim() + ": the model was not trained on this user. " +
      "Pick another id, or choose a new user by liked movies.";
  }
  return (e.status ? "The service refused the request: " : "") + e.message;
}

function describeUser(h) {
  const info = h.info || {};
  const parts = [h.items.length + " rated movies"];
  if (info.age !== null && info.age !== undefined) parts.push("age " + info.age);
  if (info.gender) parts.push(info.gender === "F" ? "female" : info.gender === "M" ? "male" : info.gender);
  if (info.occupation) parts.push(info.occupation);
  return "User " + h.user_id + ": " + parts.join(", ") + ".";
}

// ---- the lists ----------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function movieName(m) {
  return m.title || "Movie " + m.item;
}

function showList(list, items, liked) {
  list.replaceChildren();
  for (const r of items) {
    const meta = [r.year ? String(r.year) : "year unknown",
                  r.genres && r.genres.length ? r.genres.join(", ") : "no genre"].join(" · ");
    const li = el("li", {"data-item": r.item, "data-year": r.year || "", "data-genres": (r.genres || []).join(",")},
      el("span", {class: "title"}, movieName(r)), " ",
      el("span", {class: "meta"}, meta), " ",
      el("span", {class: "score", title: "the model's score"}, "score " + r.score.toFixed(3)));
    if (r.explanation) li.append(explanation(r.explanation));
    list.append(li);
  }
  if (!items.length && liked !== null) list.append(el("li", {class: "none"}, "No movie passes these filters."));
  const method = state.catalog && state.catalog.explanations;
  $("explain-method").textContent = method ? "Each is explained by " + method.label + "." : "";
}

function explanation(e) {
  const box = el("div", {class: "why"});
  if (e.paths && e.paths.length) {
    const ul = el("ul", {"aria-label": "Paths in the knowledge graph"});
    for (const p of e.paths) ul.append(el("li", {}, p.text + " (weight " + p.weight.toFixed(3) + ")"));
    box.append("Why: ", ul);
  } else if (e.items.length && e.method === "contributions") {
    const sign = (w) => (w >= 0 ? "+" : "") + w.toFixed(2);
    box.append("Largest shares of the history's score " + e.total.toFixed(2) + ": " +
      e.items.map((x) => (x.title || "movie " + x.item) + " (" + sign(x.weight) + ")").join(", "));
  } else if (e.items.length) {
    box.append("Nearest liked movies: " +
      e.items.map((x) => (x.title || "movie " + x.item) + " (" + x.weight.toFixed(2) + ")").join(", "));
  } else {
    box.append("No liked movie explains it.");
  }
  return box;
}

// ---- the graph of the top K ------------------------------------------------------------

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

// Three columns: the user, the liked movies the explanations name, the
// recommendations; lines from the explanations (a dashed line from the
// user where a path goes through other users rather than a liked movie).
function drawGraph(recs, liked, userId) {
  const svg = $("graph");
  svg.replaceChildren();
  const titles = new Map((liked || []).map((m) => [m.item, movieName(m)]));
  const via = new Map();  // liked item -> its title, in order of first mention
  for (const r of recs) {
    for (const x of (r.explanation ? r.explanation.items : [])) {
      if (!via.has(x.item)) via.set(x.item, x.title || titles.get(x.item) || "movie " + x.item);
    }
  }
  state.graph = [recs, liked, userId];  // redrawn at the new width when the window is resized
  const rows = Math.max(recs.length, via.size, 1);
  const height = Math.max(120, rows * 26 + 30);
  const W = Math.round(Math.max(360, Math.min(800, svg.clientWidth || 800)));
  svg.setAttribute("viewBox", "0 0 " + W + " " + height);
  const desc = svgEl("desc", {id: "graph-desc"}, recs.length
    ? (userId !== null ? "User " + userId : "The new user") + ", " + via.size + " liked movies and " +
      recs.length + " recommended movies."
    : "No recommendations to draw.");
  svg.append(desc);
  if (!recs.length) return;
  const y = (i, n) => 20 + (i + 0.5) * (height - 40) / n;
  const user = {x: 26, y: height / 2};
  const likedX = Math.round(0.4 * W), recX = Math.round(0.62 * W);
  const likedChars = Math.floor((likedX - 70) / 6.6), recChars = Math.floor((W - recX - 14) / 6.6);
  const likedPos = new Map([...via.keys()].map((item, i) => [item, {x: likedX, y: y(i, via.size)}]));
  const recPos = recs.map((r, i) => ({x: recX, y: y(i, recs.length)}));
  const edges = svgEl("g", {});
  for (const p of likedPos.values()) {
    edges.append(svgEl("line", {class: "edge history", x1: user.x, y1: user.y, x2: p.x, y2: p.y}));
  }
  recs.forEach((r, i) => {
    const items = r.explanation ? r.explanation.items : [];
    const max = Math.max(...items.map((x) => Math.abs(x.weight)), 1e-9);
    for (const x of items) {
      const p = likedPos.get(x.item);
      edges.append(svgEl("line", {class: "edge", "data-from": x.item, "data-to": r.item,
        x1: p.x, y1: p.y, x2: recPos[i].x, y2: recPos[i].y,
        "stroke-width": (0.8 + 2.7 * Math.abs(x.weight) / max).toFixed(2)}));
    }
    if (!items.length) {
      edges.append(svgEl("line", {class: "edge social", "data-to": r.item,
        x1: user.x, y1: user.y, x2: recPos[i].x, y2: recPos[i].y}));
    }
  });
  svg.append(edges);
  const nodes = svgEl("g", {});
  const u = svgEl("g", {class: "node", "data-kind": "user"});
  u.append(svgEl("circle", {class: "node-user", cx: user.x, cy: user.y, r: 14}),
    svgEl("text", {x: user.x - 14, y: user.y + 30}, userId !== null ? "user " + userId : "new user"));
  nodes.append(u);
  for (const [item, p] of likedPos) {
    const g = svgEl("g", {class: "node", "data-kind": "liked", "data-item": item});
    g.append(svgEl("title", {}, via.get(item)),
      svgEl("circle", {class: "node-liked", cx: p.x, cy: p.y, r: 7}),
      svgEl("text", {x: p.x - 12, y: p.y + 4, "text-anchor": "end"}, shorten(via.get(item), likedChars)));
    nodes.append(g);
  }
  recs.forEach((r, i) => {
    const p = recPos[i];
    const g = svgEl("g", {class: "node", "data-kind": "rec", "data-item": r.item});
    g.append(svgEl("title", {}, movieName(r) + ", score " + r.score.toFixed(3)),
      svgEl("circle", {class: "node-rec", cx: p.x, cy: p.y, r: 7}),
      svgEl("text", {x: p.x + 12, y: p.y + 4}, shorten(movieName(r), recChars)));
    nodes.append(g);
  });
  svg.append(nodes);
}

// ---- the map of the movies ------------------------------------------------------------

// Distinct colours for up to 20 genres (Kelly's list, less white and
// near-black), repeated beyond; grey for movies without a genre.
const PALETTE = ["#e6a100", "#875692", "#f38400", "#5b9bd5", "#be0032", "#a1a67a", "#848482", "#008856",
  "#e68fac", "#0067a5", "#f99379", "#604e97", "#f6a600", "#b3446c", "#b8a800", "#882d17", "#8db600",
  "#654522", "#e25822", "#2b3d26"];

function genreColour(index) {
  return index < 0 ? "#b0b5bf" : PALETTE[index % PALETTE.length];
}

function drawMap(map) {
  const svg = $("map");
  svg.replaceChildren();
  const W = 600, H = 400, pad = 12;
  const xs = map.items.map((r) => r[1]), ys = map.items.map((r) => r[2]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + (x - x0) / ((x1 - x0) || 1) * (W - 2 * pad);
  const sy = (y) => H - pad - (y - y0) / ((y1 - y0) || 1) * (H - 2 * pad);
  state.mapPos = new Map();
  const dots = svgEl("g", {});
  for (const [item, x, y, genre] of map.items) {
    const p = {x: sx(x).toFixed(1), y: sy(y).toFixed(1)};
    state.mapPos.set(item, p);
    dots.append(svgEl("circle", {class: "dot", cx: p.x, cy: p.y, r: 2.2, fill: genreColour(genre)}));
  }
  const share = map.explained.map((s) => (100 * s).toFixed(1) + "%").join(" and ");
  svg.append(svgEl("desc", {id: "map-desc"}, map.items.length + " movies; the two axes explain " + share +
    " of the embedding's variance."), dots, svgEl("g", {id: "map-marks"}));
  const legend = $("legend");
  legend.replaceChildren();
  map.genres.forEach((g, i) => {
    const swatch = el("span", {"aria-hidden": "true"});
    swatch.style.background = genreColour(i);
    legend.append(el("li", {}, swatch, g));
  });
}

function markMap(recs, liked) {
  const marks = $("map-marks");
  if (!marks || !state.mapPos) return;
  marks.replaceChildren();
  for (const m of liked || []) {
    const p = state.mapPos.get(m.item);
    if (!p) continue;
    marks.append(svgEl("rect", {class: "mark-liked", "data-item": m.item,
      x: p.x - 3.5, y: p.y - 3.5, width: 7, height: 7}));
  }
  for (const r of recs) {
    const p = state.mapPos.get(r.item);
    if (!p) continue;
    const g = svgEl("g", {class: "mark", "data-item": r.item});
    g.append(svgEl("title", {}, movieName(r)), svgEl("circle", {class: "mark-rec", cx: p.x, cy: p.y, r: 7}));
    marks.append(g);
  }
}

// ---- a new user's liked movies ------------------------------------------------------------

async function search() {
  const q = $("search").value.trim();
  const list = $("search-results");
  if (!q) return list.replaceChildren();
  try {
    const found = await call("/items?limit=12&q=" + encodeURIComponent(q));
    if ($("search").value.trim() !== q) return;  // typed on since
    list.replaceChildren(...found.items.map((m) => {
      const label = movieName(m) + (m.genres.length ? " — " + m.genres.join(", ") : "");
      const b = el("button", {type: "button", "data-item": m.item}, "Add " + label);
      b.addEventListener("click", () => addLiked(m));
      return el("li", {}, b);
    }));
    if (!found.items.length) list.append(el("li", {class: "hint"}, "No title matches."));
  } catch (e) {
    list.replaceChildren(el("li", {class: "hint"}, e.message));
  }
}

function addLiked(m) {
  if (!state.liked.some((x) => x.item === m.item)) state.liked.push(m);
  showLiked();
  schedule(0);
}

function showLiked() {
  $("liked").replaceChildren(...state.liked.map((m) => {
    const b = el("button", {type: "button", "aria-label": "Remove " + movieName(m)}, "×");
    b.addEventListener("click", () => {
      state.liked = state.liked.filter((x) => x.item !== m.item);
      showLiked();
      schedule(0);
    });
    return el("li", {"data-item": m.item}, movieName(m), b);
  }));
  $("liked-empty").hidden = state.liked.length > 0;
}

// ---- start -------------------------------------------------------------------------------

async function start() {
  try {
    state.catalog = await call("/catalog");
  } catch (e) {
    $("error").hidden = false;
    $("error").textContent = "The catalog cannot be loaded: " + e.message;
    document.body.dataset.state = "error";
    return;
  }
  const c = state.catalog;
  if (c.kg) return startLinks(c);  // a model of triples: link prediction (links.js)
  $("model-info").textContent = c.model + " model, " + c.dim + " dimensions: " + c.users + " users, " +
    c.items + " movies" + (c.year_min ? ", " + c.year_min + "–" + c.year_max : "") + ".";
  const box = $("genres");
  for (const g of c.genres) {
    box.append(el("label", {}, el("input", {type: "checkbox", value: g, name: "genre"}), g));
  }
  if (!c.genres.length) box.append(el("p", {class: "hint"}, "The catalog has no genres."));
  $("user-ids").replaceChildren(...c.user_ids.map((u) => el("option", {value: u})));
  $("k").max = String(Math.min(100, c.items));
  if (c.year_min) {
    $("year-min").placeholder = c.year_min;
    $("year-max").placeholder = c.year_max;
  }
  const liked = readUrl();
  if (!$("user").value && c.user_ids.length) $("user").value = c.user_ids[0];
  if (liked.length) {
    // an address's id is a number, the service's item of a named model a string
    const found = await Promise.all(liked.map((i) => call("/items?limit=1&q=" + encodeURIComponent(i)).then(
      (r) => r.items.find((m) => String(m.item) === String(i)) || {item: i, title: null, year: null, genres: []},
      () => ({item: i, title: null, year: null, genres: []}))));
    state.liked = found;
    showLiked();
  }
  const form = $("controls");
  form.addEventListener("submit", (e) => { e.preventDefault(); schedule(0); });
  form.addEventListener("change", (e) => {
    if (e.target.name === "mode") setMode(e.target.value);
    if (e.target.id !== "search") schedule(0);
  });
  form.addEventListener("input", (e) => {
    if (e.target.id === "search") search();
    else if (e.target.type !== "checkbox" && e.target.type !== "radio") schedule(400);
  });
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (state.graph) drawGraph(...state.graph); }, 150);
  });
  update();
  call("/map").then((m) => {
    state.map = m;
    drawMap(m);
    markMap(...state.marked);
    document.body.dataset.map = "ready";
  }, (e) => {
    $("map-desc").textContent = "The map cannot be loaded: " + e.message;
    document.body.dataset.map = "error";
  });
}

start();
