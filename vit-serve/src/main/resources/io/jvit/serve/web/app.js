// The page of ./vit serve: paint scribbles, train and predict through the HTTP API (docs/serve.md), look at the result.
// No library: canvases for the image, the result overlay and the scribbles; a small PNG encoder for the labels,
// which the API takes as an 8-bit grey PNG (a canvas can only export RGBA).
'use strict';

const $ = id => document.getElementById(id);
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c'];

const state = {
  info: null,
  open: null,            // () => Promise<{id,width,height}>: opens the current image once more (a second id for comparison)
  ids: [],               // the image's id on the server, per view
  width: 0, height: 0,
  labels: null,          // Uint8Array, one grey value per pixel, 0 = unlabelled
  classes: [],           // {grey, name, colour, r2: [per view]}
  active: 0,
  undo: [], redo: [],
  zoom: 1, panX: 0, panY: 0,
  busy: false, pending: false,
  segmented: false,
};

// ---- the API ----

async function call(method, path, body, type) {
  const opts = { method, headers: {} };
  if (body !== undefined) { opts.body = body; if (type) opts.headers['Content-Type'] = type; }
  const r = await fetch(path, opts);
  if (!r.ok) {
    let message = r.status + ' ' + r.statusText;
    try { message = (await r.json()).error || message; } catch (e) { /* not JSON: keep the status */ }
    throw new Error(message);
  }
  return r;
}

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'note error' : 'note';
}

// ---- opening an image ----

const TYPES = { png: 'image/png', tif: 'image/tiff', tiff: 'image/tiff', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

async function openUpload(file) {
  const ext = file.name.split('.').pop().toLowerCase();
  const type = TYPES[ext] || file.type;
  if (file.size > state.info.max_upload) throw new Error(`${file.name} is ${file.size} bytes, over the server's limit of ${state.info.max_upload} (--max-upload)`);
  await start(file.name, async () => (await call('POST', '/api/images', file, type)).json());
}

async function openFromFolder(name) {
  await start(name, async () => (await call('POST', '/api/folder/' + encodeURIComponent(name))).json());
}

/** Forgets the previous image (on the server too), opens the new one and shows it. */
async function start(name, open) {
  for (const id of state.ids) call('DELETE', '/api/images/' + id).catch(() => {});
  state.open = open;
  const created = await open();
  state.ids = [created.id];
  state.width = created.width;
  state.height = created.height;
  state.labels = new Uint8Array(created.width * created.height);
  state.undo = []; state.redo = []; state.segmented = false;
  state.classes.forEach(c => { c.r2 = []; });
  $('image-info').textContent = `${name}: ${created.width} × ${created.height}`;
  const bitmap = await createImageBitmap(await (await call('GET', `/api/images/${created.id}/image.png`)).blob());
  for (const v of views()) {
    for (const c of v.querySelectorAll('canvas')) { c.width = created.width; c.height = created.height; }
    v.querySelector('canvas.image').getContext('2d').drawImage(bitmap, 0, 0);
    v.querySelector('canvas.overlay').getContext('2d').clearRect(0, 0, created.width, created.height);
  }
  await syncCompare();
  fit();
  redrawScribbles();
  renderClasses();
  status('paint scribbles of at least two classes');
}

function views() { return [$('view-0'), $('view-1')]; }
function activeViews() { return views().slice(0, state.ids.length || 1); }

// ---- classes ----

function addClass() {
  const n = state.classes.length;
  if (n >= 255) return;
  const grey = Math.max(0, ...state.classes.map(c => c.grey)) + 1;
  state.classes.push({ grey, name: 'class ' + grey, colour: PALETTE[n % PALETTE.length], r2: [] });
  state.active = n;
  renderClasses();
}

function renderClasses() {
  const ul = $('classes');
  ul.innerHTML = '';
  state.classes.forEach((c, i) => {
    const li = document.createElement('li');
    li.className = i === state.active ? 'active' : '';
    li.dataset.grey = c.grey;
    const colour = Object.assign(document.createElement('input'), { type: 'color', value: c.colour, title: 'colour' });
    colour.oninput = () => { c.colour = colour.value; redrawScribbles(); showResults(); };
    const name = Object.assign(document.createElement('input'), { type: 'text', value: c.name, title: 'grey value ' + c.grey });
    name.oninput = () => { c.name = name.value; renderViewChoices(); };
    const r2 = document.createElement('span');
    r2.className = 'r2';
    r2.title = 'position R²: how much the class probability follows where the pixel is (per view)';
    r2.textContent = c.r2.length ? 'R² ' + c.r2.map(v => v.toFixed(2)).join(' | ') : '';
    li.append(colour, name, r2);
    li.onclick = e => { if (e.target === li || e.target === r2) { state.active = i; renderClasses(); } };
    name.onfocus = () => { state.active = i; for (const x of ul.children) x.classList.toggle('active', x === li); };
    ul.append(li);
  });
  renderViewChoices();
}

function renderViewChoices() {
  const sel = $('view'), current = sel.value;
  sel.innerHTML = '<option value="segmentation">segmentation</option><option value="uncertainty">uncertainty</option>';
  for (const c of state.classes) sel.append(new Option('probability: ' + c.name, 'p' + c.grey));
  sel.value = [...sel.options].some(o => o.value === current) ? current : 'segmentation';
}

function colourOf(grey) {
  const c = state.classes.find(k => k.grey === grey);
  const hex = c ? c.colour : '#ffffff';
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

// ---- zoom and pan (shared by the views) ----

function fit() {
  const vp = views()[0].querySelector('.viewport').getBoundingClientRect();
  state.zoom = Math.min(vp.width / state.width, vp.height / state.height) || 1;
  state.panX = (vp.width - state.width * state.zoom) / 2;
  state.panY = (vp.height - state.height * state.zoom) / 2;
  applyTransform();
}

function applyTransform() {
  for (const v of views()) v.querySelector('.stack').style.transform = `translate(${state.panX}px, ${state.panY}px) scale(${state.zoom})`;
}

function toImage(viewport, e) {
  const r = viewport.getBoundingClientRect();
  return [(e.clientX - r.left - state.panX) / state.zoom, (e.clientY - r.top - state.panY) / state.zoom];
}

// ---- painting ----

let stroke = null;       // {last: [x, y], changed} while the left button is down
let pan = null;          // {x, y, panX, panY} while panning
let spaceHeld = false;

function stamp(cx, cy) {
  const r = +$('brush').value / 2, w = state.width, h = state.height;
  const grey = $('eraser').checked ? 0 : state.classes[state.active].grey;
  const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(w - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(h - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= Math.max(r * r, 0.25)) state.labels[y * w + x] = grey;
    }
  return [x0, y0, x1, y1];
}

/** Stamps the brush along the segment from the last point, at steps of a quarter of its size, and redraws that part. */
function paintTo(p) {
  const [ax, ay] = stroke.last, [bx, by] = p;
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / Math.max(0.5, +$('brush').value / 4)));
  let box = null;
  for (let i = 1; i <= steps; i++) {
    const b = stamp(ax + (bx - ax) * i / steps, ay + (by - ay) * i / steps);
    box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b;
  }
  stroke.last = p;
  stroke.changed = true;
  if (box[2] >= box[0] && box[3] >= box[1]) redrawScribbles(box);
}

function redrawScribbles(box) {
  if (!state.labels) return;
  const w = state.width, [x0, y0, x1, y1] = box || [0, 0, w - 1, state.height - 1];
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const img = new ImageData(bw, bh), colours = new Map();
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) {
      const g = state.labels[(y0 + y) * w + x0 + x];
      if (!g) continue;
      if (!colours.has(g)) colours.set(g, colourOf(g));
      const [r, gr, b] = colours.get(g), o = (y * bw + x) * 4;
      img.data[o] = r; img.data[o + 1] = gr; img.data[o + 2] = b; img.data[o + 3] = 255;
    }
  for (const v of views()) {
    const c = v.querySelector('canvas.scribbles');
    c.style.display = $('show-scribbles').checked ? '' : 'none';
    c.getContext('2d').putImageData(img, x0, y0);
  }
}

function pushUndo() {
  state.undo.push(state.labels.slice());
  if (state.undo.length > 50) state.undo.shift();
  state.redo = [];
}

function undo(from, to) {
  if (!from.length) return;
  to.push(state.labels);
  state.labels = from.pop();
  redrawScribbles();
  afterStroke();
}

function afterStroke() { if ($('auto').checked) segment(); }

function installPointer(viewport) {
  viewport.addEventListener('contextmenu', e => e.preventDefault());
  viewport.addEventListener('pointerdown', e => {
    if (!state.labels) return;
    viewport.setPointerCapture(e.pointerId);
    if (e.button === 2 || e.button === 1 || spaceHeld) {
      pan = { x: e.clientX, y: e.clientY, panX: state.panX, panY: state.panY };
      viewport.classList.add('panning');
      return;
    }
    if (e.button !== 0 || !state.classes.length) return;
    pushUndo();
    const p = toImage(viewport, e);
    stroke = { last: p, changed: false };
    paintTo(p);
  });
  viewport.addEventListener('pointermove', e => {
    if (pan) {
      state.panX = pan.panX + e.clientX - pan.x;
      state.panY = pan.panY + e.clientY - pan.y;
      applyTransform();
    } else if (stroke) paintTo(toImage(viewport, e));
  });
  const end = () => {
    if (pan) { pan = null; viewport.classList.remove('panning'); }
    if (stroke) { const changed = stroke.changed; stroke = null; if (changed) afterStroke(); }
  };
  viewport.addEventListener('pointerup', end);
  viewport.addEventListener('pointercancel', end);
  viewport.addEventListener('wheel', e => {
    if (!state.labels) return;
    e.preventDefault();
    const r = viewport.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    const z = Math.min(64, Math.max(0.05, state.zoom * Math.exp(-e.deltaY * 0.0015)));
    state.panX = mx - (mx - state.panX) * z / state.zoom;      // the point under the mouse stays put
    state.panY = my - (my - state.panY) * z / state.zoom;
    state.zoom = z;
    applyTransform();
  }, { passive: false });
}

// ---- train and predict ----

function options(view) {
  const o = { features: $('features').value, classifier: $('classifier').value };
  const sources = state.info.sources;
  if (o.features !== 'classical' && sources.length) o.source = state.ids.length > 1 ? sources[view] : $('source').value;
  return o;
}

/** A second id for the comparison view when it is asked for, none otherwise. */
async function syncCompare() {
  const want = $('compare').checked && state.info.sources.length > 1 && state.open;
  if (want && state.ids.length === 1) state.ids.push((await state.open()).id);
  if (!want && state.ids.length > 1) call('DELETE', '/api/images/' + state.ids.pop()).catch(() => {});
  const shown = !$('view-1').hidden, showing = state.ids.length > 1;
  $('view-1').hidden = !showing;
  if (shown !== showing && state.labels) fit();                 // the views' width changed
  captions();
}

function captions() {
  views().forEach((v, i) => {
    const o = state.info ? options(i) : {};
    v.querySelector('figcaption').textContent = o.features === 'classical' ? 'classical features' : `${o.features} · ${o.source}`;
  });
}

async function segment() {
  if (!state.labels) return;
  if (state.busy) { state.pending = true; return; }
  const present = new Set(state.labels);
  present.delete(0);
  if (present.size < 2) { status('paint scribbles of at least two classes'); return; }
  state.busy = true;
  $('segment').disabled = true;
  try {
    const png = await greyPng(state.labels, state.width, state.height);
    const answers = await Promise.all(state.ids.map(async (id, view) => {
      await call('PUT', `/api/images/${id}/labels`, png, 'image/png');
      return (await call('POST', `/api/images/${id}/segment`, JSON.stringify(options(view)), 'application/json')).json();
    }));
    state.segmented = true;
    state.classes.forEach(c => { c.r2 = answers.map(a => (a.classes.find(k => k.grey === c.grey) || { position_r2: NaN }).position_r2); });
    renderClasses();
    captions();
    await showResults();
    const warning = answers.map(a => a.warning).find(w => w);
    status(answers.map(a => `${a.seconds.toFixed(2)} s${a.cached ? '' : ' (features computed)'}`).join(' | ')
      + (warning ? ' | ' + warning.replace(/^warning: /, '').replace(/ \(where --uncertainty is bright\).*/, ' (the uncertainty view shows where)') : ''));
  } catch (e) {
    status(e.message, true);
  } finally {
    state.busy = false;
    $('segment').disabled = false;
    if (state.pending) { state.pending = false; segment(); }
  }
}

/** Draws each view's overlay: the segmentation in class colours, or a probability or the uncertainty as a heat map. */
async function showResults() {
  if (!state.segmented) return;
  const what = $('view').value;
  await Promise.all(state.ids.map(async (id, i) => {
    const path = what === 'segmentation' ? 'segmentation.png' : what === 'uncertainty' ? 'uncertainty.png' : `probabilities/${what.slice(1)}.png`;
    const grey = await decodeGrey(await (await call('GET', `/api/images/${id}/${path}`)).blob());
    const img = new ImageData(state.width, state.height);
    const heat = what === 'uncertainty' ? [255, 0, 255] : what === 'segmentation' ? null : colourOf(+what.slice(1));
    const colours = new Map();
    for (let p = 0; p < grey.length; p++) {
      const g = grey[p], o = p * 4;
      if (heat) { img.data[o] = heat[0]; img.data[o + 1] = heat[1]; img.data[o + 2] = heat[2]; img.data[o + 3] = g; continue; }
      if (!colours.has(g)) colours.set(g, colourOf(g));
      const c = colours.get(g);
      img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
    }
    const canvas = views()[i].querySelector('canvas.overlay');
    canvas.getContext('2d').putImageData(img, 0, 0);
    canvas.style.opacity = $('opacity').value / 100;
    canvas.dataset.shown = what;                // what the overlay holds (the browser test waits on it)
  }));
}

/** The grey values of an 8-bit PNG (drawn on a canvas: its red channel). */
async function decodeGrey(blob) {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const c = new OffscreenCanvas(bitmap.width, bitmap.height), g = c.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  const rgba = g.getImageData(0, 0, bitmap.width, bitmap.height).data, out = new Uint8Array(bitmap.width * bitmap.height);
  for (let p = 0; p < out.length; p++) out[p] = rgba[p * 4];
  return out;
}

// ---- an 8-bit grey PNG from the labels ----

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** zlib: the browser's deflate where it has one, else stored (uncompressed) blocks. */
async function zlib(raw) {
  if (typeof CompressionStream === 'function')
    return new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const blocks = Math.max(1, Math.ceil(raw.length / 65535)), out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78; out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const part = raw.subarray(b * 65535, Math.min(raw.length, (b + 1) * 65535)), n = part.length;
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = n & 0xff; out[o++] = n >>> 8; out[o++] = ~n & 0xff; out[o++] = (~n >>> 8) & 0xff;
    out.set(part, o); o += n;
  }
  let a = 1, s = 0;
  for (let i = 0; i < raw.length; i++) { a = (a + raw[i]) % 65521; s = (s + a) % 65521; }
  new DataView(out.buffer).setUint32(o, ((s << 16) | a) >>> 0);
  return out;
}

async function greyPng(values, w, h) {
  const raw = new Uint8Array((w + 1) * h);                       // each row: filter type 0, then its bytes
  for (let y = 0; y < h; y++) raw.set(values.subarray(y * w, (y + 1) * w), y * (w + 1) + 1);
  const chunk = (type, data) => {
    const out = new Uint8Array(12 + data.length), dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13), dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w); dv.setUint32(4, h);
  ihdr[8] = 8;                                                   // bit depth 8, colour type 0 (grey)
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Blob([signature, chunk('IHDR', ihdr), chunk('IDAT', await zlib(raw)), chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
}

// ---- saving ----

function download(blob, name) {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

async function downloadResult(path, name) {
  try {
    if (!state.ids.length) throw new Error('open an image first');
    download(await (await call('GET', `/api/images/${state.ids[0]}/${path}`)).blob(), name);
  } catch (e) { status(e.message, true); }
}

async function applyToFolder() {
  const bar = $('apply-progress'), list = $('apply-results');
  try {
    const job = await (await call('POST', `/api/images/${state.ids[0]}/apply`)).json();
    bar.hidden = false; bar.max = job.total; bar.value = 0; list.innerHTML = '';
    for (;;) {
      const p = await (await call('GET', '/api/jobs/' + job.job)).json();
      bar.value = p.done;
      list.innerHTML = '';
      for (const r of p.results) {
        const li = document.createElement('li');
        if (r.error) { li.textContent = `${r.image}: ${r.error}`; li.className = 'error'; }
        else li.append(Object.assign(document.createElement('a'), { href: r.url, download: r.image.replace(/\.[^.]+$/, '') + '_segmented.png', textContent: r.image }));
        list.append(li);
      }
      if (p.finished) break;
      await new Promise(r => setTimeout(r, 500));
    }
  } catch (e) { status(e.message, true); }
}

// ---- wiring ----

async function init() {
  state.info = await (await call('GET', '/api/info')).json();
  for (const s of state.info.sources) $('source').append(new Option(s, s));
  for (const c of state.info.classifiers) $('classifier').append(new Option(c, c));
  $('features').value = state.info.sources.length ? 'both' : 'classical';
  if (!state.info.sources.length) { $('features').disabled = true; $('source').disabled = true; $('compare').disabled = true; }
  if (state.info.folder) {
    const names = (await (await call('GET', '/api/folder')).json()).images;
    for (const n of names) $('folder').append(new Option(n, n));
    $('folder-row').hidden = false;
    $('apply-row').hidden = false;
  }
  addClass(); addClass();
  state.active = 0;
  renderClasses();

  const guard = f => async (...a) => { try { await f(...a); } catch (e) { status(e.message, true); } };
  $('file').onchange = guard(() => $('file').files[0] && openUpload($('file').files[0]));
  $('open-folder').onclick = guard(() => openFromFolder($('folder').value));
  $('add-class').onclick = addClass;
  $('brush').oninput = () => { $('brush-size').textContent = $('brush').value; };
  $('undo').onclick = () => undo(state.undo, state.redo);
  $('redo').onclick = () => undo(state.redo, state.undo);
  $('clear').onclick = () => { if (state.labels) { pushUndo(); state.labels = new Uint8Array(state.labels.length); redrawScribbles(); } };
  $('segment').onclick = segment;
  for (const id of ['features', 'source', 'classifier']) $(id).onchange = () => { captions(); segment(); };
  $('compare').onchange = guard(async () => { await syncCompare(); if (state.segmented) segment(); });
  $('view').onchange = guard(showResults);
  $('opacity').oninput = () => { for (const v of views()) v.querySelector('canvas.overlay').style.opacity = $('opacity').value / 100; };
  $('show-scribbles').onchange = () => redrawScribbles();
  $('download-scribbles').onclick = guard(async () => state.labels && download(await greyPng(state.labels, state.width, state.height), 'scribbles.png'));
  $('download-labels').onclick = () => downloadResult('segmentation.png', 'labels.png');
  $('download-labels-tiff').onclick = () => downloadResult('segmentation.tif', 'labels.tif');
  $('download-model').onclick = () => downloadResult('model.json', 'model.json');
  $('apply').onclick = applyToFolder;
  for (const v of views()) installPointer(v.querySelector('.viewport'));
  document.addEventListener('keydown', e => {
    if (e.target.tagName === 'INPUT' && e.target.type === 'text') return;
    if (e.code === 'Space') { spaceHeld = true; e.preventDefault(); }
    if ((e.ctrlKey || e.metaKey) && e.key === 'z') { e.preventDefault(); undo(state.undo, state.redo); }
    if ((e.ctrlKey || e.metaKey) && e.key === 'y') { e.preventDefault(); undo(state.redo, state.undo); }
    if (e.key === 'e') $('eraser').checked = !$('eraser').checked;
    if (/^[1-9]$/.test(e.key) && +e.key <= state.classes.length) { state.active = +e.key - 1; renderClasses(); }
  });
  document.addEventListener('keyup', e => { if (e.code === 'Space') spaceHeld = false; });
  window.addEventListener('resize', () => state.labels && fit());
  captions();
  status('open an image');
}

init().catch(e => status(e.message, true));
