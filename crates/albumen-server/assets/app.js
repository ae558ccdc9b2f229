// albumen's page: login, timeline (virtual scrolling), map (clusters), places, search, item
// view and edits. No framework; the API is /api/… (see crates/albumen-server/src/api.rs).
'use strict';

const I18N = {
  en: {
    user: 'User', password: 'Password', login: 'Log in', logout: 'Log out', timeline: 'Timeline',
    map: 'Map', places: 'Places', search: 'Search', select: 'Select', undo: 'Undo',
    shiftBy: 'Shift time by (hours)', apply: 'Apply', clear: 'Clear', jump: 'Jump to date',
    pickHint: 'Click the map to set the place', from: 'From', to: 'To', camera: 'Camera',
    place: 'Place', more: 'More', edit: 'Edit', rating: 'Rating', keyword: 'Keyword', add: 'Add',
    setPlace: 'Set place on the map', original: 'Original file', wrong: 'Wrong user or password',
    tooMany: 'Too many attempts; try again later', selected: 'selected', photos: 'photos',
    undated: 'Undated', time: 'Time', zone: 'Zone', camera_: 'Camera', lens: 'Lens',
    size: 'Size', name: 'Name', keywords: 'Keywords', library: 'Library', saved: 'Saved',
    undone: 'Undone', nothing: 'Nothing to undo', failed: 'Failed', results: 'results',
    source: 'Time source', duration: 'Duration', noPlace: 'No place',
    changedSince: 'changed since, left as is', removeKeyword: 'Remove keyword',
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  },
  zh: {
    user: '用户', password: '密码', login: '登录', logout: '退出', timeline: '时间线', map: '地图',
    places: '地点', search: '搜索', select: '选择', undo: '撤销', shiftBy: '时间偏移（小时）',
    apply: '应用', clear: '清除', jump: '跳到日期', pickHint: '点击地图设置地点', from: '从', to: '到',
    camera: '相机', place: '地点', more: '更多', edit: '编辑', rating: '评分', keyword: '关键词',
    add: '添加', setPlace: '在地图上设置地点', original: '原始文件', wrong: '用户名或密码错误',
    tooMany: '尝试次数过多，请稍后再试', selected: '已选择', photos: '张照片', undated: '无日期',
    time: '时间', zone: '时区', camera_: '相机', lens: '镜头', size: '尺寸', name: '文件名',
    keywords: '关键词', library: '图库', saved: '已保存', undone: '已撤销', nothing: '没有可撤销的操作',
    failed: '失败', results: '个结果', source: '时间来源', duration: '时长', noPlace: '无地点',
    changedSince: '之后已被修改，未撤销', removeKeyword: '删除关键词',
    months: ['1月', '2月', '3月', '4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月'],
  },
};

let lang = localStorage.getItem('albumen-lang') ||
  ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');
const t = (k) => (I18N[lang] && I18N[lang][k]) || I18N.en[k] || k;
const $ = (id) => document.getElementById(id);

function applyLang() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  if (S.days) renderNav();
}

const S = {
  me: null, library: null, view: 'timeline', days: null, total: 0, pages: new Map(),
  loading: new Set(), selected: new Set(), selectMode: false, list: [], pos: -1, map: null,
  layer: null, picking: null, searchCursor: null, generation: 0,
};

async function api(path, opts = {}) {
  const o = { credentials: 'same-origin', headers: {}, ...opts };
  if (o.body && typeof o.body !== 'string') {
    o.body = JSON.stringify(o.body);
    o.headers['Content-Type'] = 'application/json';
  }
  if (o.method && o.method !== 'GET' && S.me) o.headers['X-CSRF-Token'] = S.me.csrf;
  const r = await fetch(path, o);
  if (r.status === 401 && path !== '/api/login') { showLogin(); throw new Error('401'); }
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status, body };
}

function showLogin() {
  $('app').classList.add('hidden');
  $('item').classList.add('hidden');
  $('login').classList.remove('hidden');
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const r = await api('/api/login', { method: 'POST', body: { user: $('login-user').value, password: $('login-pass').value } });
  if (r.status === 200) { $('login-pass').value = ''; $('login-error').textContent = ''; start(); }
  else $('login-error').textContent = r.status === 429 ? t('tooMany') : t('wrong');
});

for (const b of document.querySelectorAll('.lang-switch')) {
  b.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('albumen-lang', lang);
    applyLang();
  });
}

$('logout').addEventListener('click', async () => {
  await api('/api/logout', { method: 'POST' });
  S.me = null;
  showLogin();
});

async function start() {
  // The session cookie is HttpOnly; its readable CSRF twin says whether there may be one, so a
  // first visit shows the login form without a 401 round trip.
  if (!document.cookie.split(';').some((c) => c.trim().startsWith('albumen_csrf='))) { showLogin(); return; }
  const me = await api('/api/me').catch(() => null);
  if (!me || me.status !== 200) { showLogin(); return; }
  S.me = me.body;
  $('login').classList.add('hidden');
  $('app').classList.remove('hidden');
  $('who').textContent = S.me.user;
  $('edit-tools').classList.toggle('hidden', !S.me.allow_edit);
  const libs = (await api('/api/libraries')).body || [];
  const sel = $('library');
  sel.innerHTML = '';
  for (const l of libs) {
    const o = document.createElement('option');
    o.value = l.name; o.textContent = `${l.name} (${l.items})`;
    sel.appendChild(o);
  }
  const want = new URLSearchParams(location.hash.slice(1)).get('library');
  if (want && libs.some((l) => l.name === want)) sel.value = want;
  S.library = sel.value || null;
  applyLang();
  await loadLibrary();
  showView(S.view);
}

$('library').addEventListener('change', async () => {
  S.library = $('library').value;
  await loadLibrary();
  showView(S.view);
});

for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showView(b.dataset.view));

function showView(v) {
  S.view = v;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === v);
  for (const s of document.querySelectorAll('.view')) s.classList.toggle('hidden', s.id !== `view-${v}`);
  if (v === 'map') openMap();
  if (v === 'places') loadPlaces();
  if (v === 'search') { loadPlaceOptions(); loadKeywordOptions(); }
  if (v === 'timeline') renderGrid();
}

// ---- timeline ------------------------------------------------------------------------------
const PAGE = 200;
const GAP = 4;
let cellSize = 160;
let cols = 1;

async function loadLibrary() {
  S.generation += 1;
  S.pages = new Map();
  S.loading = new Set();
  S.selected.clear();
  updateSelectionBar();
  if (!S.library) { S.days = []; S.total = 0; return; }
  const r = await api(`/api/timeline?library=${encodeURIComponent(S.library)}`);
  S.days = (r.body && r.body.days) || [];
  S.total = S.days.reduce((a, d) => a + d.n, 0);
  renderNav();
  layout();
  if (S.map) refreshClusters();
}

function renderNav() {
  const years = new Map();
  for (const d of S.days) {
    const y = d.day ? d.day.slice(0, 4) : t('undated');
    const m = d.day ? d.day.slice(5, 7) : '';
    if (!years.has(y)) years.set(y, new Map());
    const ms = years.get(y);
    if (!ms.has(m)) ms.set(m, []);
    ms.get(m).push(d);
  }
  const box = $('years');
  box.innerHTML = '';
  for (const [y, ms] of years) {
    const yn = [...ms.values()].flat().reduce((a, d) => a + d.n, 0);
    const ye = document.createElement('div');
    ye.className = 'year';
    ye.innerHTML = `${y}<span class="n">${yn}</span>`;
    const first = [...ms.values()][0][0];
    ye.addEventListener('click', () => jumpToDay(first.day));
    box.appendChild(ye);
    for (const [m, ds] of ms) {
      if (!m) continue;
      const me = document.createElement('div');
      me.className = 'month';
      me.innerHTML = `${t('months')[Number(m) - 1]}<span class="n">${ds.reduce((a, d) => a + d.n, 0)}</span>`;
      const daysBox = document.createElement('div');
      daysBox.className = 'hidden';
      for (const d of ds) {
        const de = document.createElement('div');
        de.className = 'day';
        de.innerHTML = `${d.day}<span class="n">${d.n}</span>`;
        de.addEventListener('click', (ev) => { ev.stopPropagation(); jumpToDay(d.day); });
        daysBox.appendChild(de);
      }
      me.addEventListener('click', () => { daysBox.classList.toggle('hidden'); jumpToDay(ds[0].day); });
      box.appendChild(me);
      box.appendChild(daysBox);
    }
  }
}

/// Index (in timeline order, newest first) of the first item of `day` or the nearest older day.
function indexOfDay(day) {
  let i = 0;
  for (const d of S.days) {
    if (d.day !== null && d.day <= day) return i;
    i += d.n;
  }
  return Math.max(0, S.total - 1);
}

function jumpToDay(day) {
  if (!day) { scrollToIndex(S.total - 1); return; }
  scrollToIndex(indexOfDay(day));
}

function scrollToIndex(i) {
  const row = Math.floor(i / cols);
  $('scroller').scrollTop = row * (cellSize + GAP);
  renderGrid();
}

$('jump').addEventListener('change', () => { if ($('jump').value) jumpToDay($('jump').value); });

function layout() {
  const sc = $('scroller');
  const w = sc.clientWidth - 16;
  cols = Math.max(1, Math.floor((w + GAP) / (160 + GAP)));
  cellSize = Math.floor((w - GAP * (cols - 1)) / cols);
  const rows = Math.ceil(S.total / cols);
  $('spacer').style.height = `${rows * (cellSize + GAP)}px`;
  renderGrid();
}

window.addEventListener('resize', () => { if (S.days) layout(); });
$('scroller').addEventListener('scroll', () => requestAnimationFrame(renderGrid), { passive: true });

function itemAt(i) {
  const p = S.pages.get(Math.floor(i / PAGE));
  return p ? p[i % PAGE] : undefined;
}

async function loadPage(p) {
  if (S.pages.has(p) || S.loading.has(p) || !S.library) return;
  S.loading.add(p);
  const gen = S.generation;
  try {
    const r = await api(`/api/items?library=${encodeURIComponent(S.library)}&limit=${PAGE}&offset=${p * PAGE}`);
    if (gen !== S.generation) return;
    S.pages.set(p, (r.body && r.body.items) || []);
  } finally {
    S.loading.delete(p);
  }
  renderGrid();
}

const cells = new Map(); // index -> element

function renderGrid() {
  if (S.view !== 'timeline' || !S.days) return;
  const sc = $('scroller');
  const sp = $('spacer');
  const rowH = cellSize + GAP;
  const top = sc.scrollTop;
  const first = Math.max(0, Math.floor(top / rowH) - 2) * cols;
  const last = Math.min(S.total, (Math.ceil((top + sc.clientHeight) / rowH) + 2) * cols);
  for (const [i, el] of cells) {
    if (i < first || i >= last || el.dataset.gen !== String(S.generation)) { el.remove(); cells.delete(i); }
  }
  for (let i = first; i < last; i++) {
    const it = itemAt(i);
    if (!it) { loadPage(Math.floor(i / PAGE)); continue; }
    let el = cells.get(i);
    if (el && el.dataset.id !== String(it.id)) { el.remove(); cells.delete(i); el = null; }
    if (!el) {
      el = makeCell(it, i);
      el.style.position = 'absolute';
      el.dataset.gen = String(S.generation);
      cells.set(i, el);
      sp.appendChild(el);
    }
    el.style.left = `${(i % cols) * (cellSize + GAP)}px`;
    el.style.top = `${Math.floor(i / cols) * rowH}px`;
    el.style.width = el.style.height = `${cellSize}px`;
    el.classList.toggle('selected', S.selected.has(it.id));
  }
  const cur = itemAt(Math.min(S.total - 1, Math.floor(top / rowH) * cols));
  $('current-date').textContent = cur ? fmtDay(cur.t) : '';
}

function fmtDay(ts) {
  if (!ts) return t('undated');
  const [y, m, d] = [ts.slice(0, 4), ts.slice(5, 7), ts.slice(8, 10)];
  return lang === 'zh' ? `${y}年${Number(m)}月${Number(d)}日` : `${d} ${t('months')[Number(m) - 1]} ${y}`;
}

function makeCell(it, i) {
  const el = document.createElement('div');
  el.className = 'cell';
  el.dataset.id = it.id;
  el.dataset.t = it.t || '';
  const img = document.createElement('img');
  img.loading = 'lazy';
  img.decoding = 'async';
  img.alt = '';
  img.src = `/api/items/${it.id}/thumb`;
  el.appendChild(img);
  if (it.kind === 'live-photo' || it.kind === 'video' || it.kind === 'motion-photo') {
    const b = document.createElement('span');
    b.className = 'badge';
    b.textContent = it.kind === 'video' ? '▶' : 'LIVE';
    el.appendChild(b);
  }
  el.addEventListener('click', (ev) => {
    if (S.selectMode || ev.ctrlKey || ev.metaKey) { toggleSelect(it.id); return; }
    openItem(it.id, i);
  });
  return el;
}

// ---- selection and edits -------------------------------------------------------------------
$('select-mode').addEventListener('click', () => {
  S.selectMode = !S.selectMode;
  $('select-mode').classList.toggle('active', S.selectMode);
  updateSelectionBar();
});
function toggleSelect(id) {
  if (S.selected.has(id)) S.selected.delete(id); else S.selected.add(id);
  updateSelectionBar();
  renderGrid();
}
function updateSelectionBar() {
  $('selection-bar').classList.toggle('hidden', !(S.selectMode || S.selected.size));
  $('selection-count').textContent = `${S.selected.size} ${t('selected')}`;
}
$('sel-clear').addEventListener('click', () => { S.selected.clear(); updateSelectionBar(); renderGrid(); });
$('sel-apply').addEventListener('click', async () => {
  const h = Number($('sel-shift').value);
  if (!S.selected.size || !h) return;
  const r = await api('/api/edit', { method: 'POST', body: { ids: [...S.selected], shift_seconds: Math.round(h * 3600) } });
  $('selection-count').textContent = r.status === 200 ? `${t('saved')}: ${r.body.changed}` : t('failed');
  await afterEdit();
});

async function afterEdit() {
  const keep = $('scroller').scrollTop;
  await loadLibrary();
  $('scroller').scrollTop = keep;
  renderGrid();
}

$('undo').addEventListener('click', async () => {
  const r = await api('/api/undo', { method: 'POST' });
  let msg = t('failed');
  if (r.status === 200) {
    const changed = (r.body.failed || []).filter((f) => f.error === 'changed-since').length;
    msg = r.body.undone ? t('undone') : (r.body.failed && r.body.failed.length ? t('failed') : t('nothing'));
    if (changed) msg += ` (${changed} ${t('changedSince')})`;
  }
  $('edit-status').textContent = msg;
  await afterEdit();
  if (!$('item').classList.contains('hidden') && S.itemId) showItem(S.itemId);
});

// ---- item view -----------------------------------------------------------------------------
function openItem(id, i) {
  S.pos = i;
  showItem(id);
}

$('item-close').addEventListener('click', closeItem);
document.addEventListener('keydown', (ev) => {
  if ($('item').classList.contains('hidden')) return;
  if (ev.key === 'Escape') closeItem();
  if (ev.key === 'ArrowRight') step(1);
  if (ev.key === 'ArrowLeft') step(-1);
});
$('item-prev').addEventListener('click', () => step(-1));
$('item-next').addEventListener('click', () => step(1));
function step(d) {
  if (S.pos < 0) return;
  const it = itemAt(S.pos + d);
  if (it) { S.pos += d; showItem(it.id); }
}
function closeItem() {
  const v = $('item-video');
  v.pause();
  v.removeAttribute('src');
  v.load();
  $('item').classList.add('hidden');
  S.itemId = null;
}

async function showItem(id) {
  S.itemId = id;
  const r = await api(`/api/items/${id}`);
  if (r.status !== 200) return;
  const m = r.body;
  $('item').classList.remove('hidden');
  $('item').dataset.id = id;
  const img = $('item-img');
  const v = $('item-video');
  v.pause();
  v.classList.add('hidden');
  v.classList.remove('overlay');
  v.controls = false;
  img.classList.remove('hidden');
  img.src = `/api/items/${id}/preview`;
  const isVideo = m.kind === 'video';
  $('live-badge').classList.toggle('hidden', !(m.video && !isVideo));
  if (m.video) {
    v.src = `/api/items/${id}/video`;
    if (isVideo) {
      img.classList.add('hidden');
      v.classList.remove('hidden');
      v.controls = true;
      v.muted = false;
      v.loop = false;
      v.preload = 'metadata';
    } else {
      v.muted = true;
      v.loop = true;
      v.preload = 'auto';
    }
  } else {
    v.removeAttribute('src');
  }
  const rows = [
    [t('name'), m.name], [t('library'), m.library],
    [t('time'), m.time_local ? m.time_local.replace('T', ' ') : t('undated')],
    [t('zone'), [m.time_zone, m.time_offset_s != null ? fmtOffset(m.time_offset_s) : null].filter(Boolean).join(' ')],
    [t('source'), [m.time_source, m.time_confidence].filter(Boolean).join(', ')],
    [t('place'), m.place ? [m.place.city, m.place.region, m.place.country].filter(Boolean).join(', ') : (m.lat != null ? `${m.lat.toFixed(5)}, ${m.lon.toFixed(5)}` : t('noPlace'))],
    [t('camera_'), [m.make, m.model].filter(Boolean).join(' ')], [t('lens'), m.lens],
    [t('size'), m.width ? `${m.width}×${m.height}, ${(m.size / 1e6).toFixed(1)} MB` : `${(m.size / 1e6).toFixed(1)} MB`],
    [t('duration'), m.duration_s ? `${m.duration_s.toFixed(1)} s` : null],
    [t('rating'), m.rating != null ? '★'.repeat(Math.max(0, m.rating)) || '0' : null],
  ];
  const tb = $('item-meta');
  tb.innerHTML = '';
  for (const [k, val] of rows) {
    if (val == null || val === '') continue;
    const tr = document.createElement('tr');
    const a = document.createElement('td'); a.textContent = k;
    const b = document.createElement('td'); b.textContent = val;
    if (k === t('time')) b.id = 'item-time';
    tr.append(a, b);
    tb.appendChild(tr);
  }
  renderKeywords(m.keywords || []);
  $('item-edit').classList.toggle('hidden', !S.me.allow_edit);
  $('edit-rating').value = m.rating != null ? String(m.rating) : '';
  $('item-original').href = `/api/items/${id}/original`;
}

function fmtOffset(s) {
  const sign = s < 0 ? '-' : '+';
  const a = Math.abs(s);
  return `UTC${sign}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor(a % 3600 / 60)).padStart(2, '0')}`;
}

// A Live Photo moves on hover or press.
function playLive() {
  const v = $('item-video');
  if (!v.getAttribute('src') || v.controls) return;
  v.classList.remove('hidden');
  v.classList.add('overlay');
  v.currentTime = 0;
  const p = v.play();
  if (p) p.catch(() => {});
}
function stopLive() {
  const v = $('item-video');
  if (v.controls) return;
  v.pause();
  v.classList.add('hidden');
}
$('item-media').addEventListener('mouseenter', playLive);
$('item-media').addEventListener('mouseleave', stopLive);
$('item-media').addEventListener('pointerdown', playLive);
$('live-badge').addEventListener('click', playLive);

async function editItem(body) {
  const id = S.itemId;
  $('edit-status').textContent = '…';
  const r = await api(`/api/items/${id}/edit`, { method: 'POST', body });
  $('edit-status').textContent = r.status === 200 && r.body.changed ? t('saved') : `${t('failed')} (${r.status})`;
  await afterEdit();
  await showItem(id);
}
$('edit-shift-apply').addEventListener('click', () => {
  const h = Number($('edit-shift').value);
  if (h) editItem({ shift_seconds: Math.round(h * 3600) });
});
$('edit-rating').addEventListener('change', () => {
  if ($('edit-rating').value !== '') editItem({ rating: Number($('edit-rating').value) });
});
$('edit-keyword-add').addEventListener('click', () => {
  const k = $('edit-keyword').value.trim();
  if (k) { $('edit-keyword').value = ''; editItem({ add_keywords: [k] }); }
});
// The item's keywords: each opens the search for it; with --allow-edit each can be removed.
function renderKeywords(list) {
  const box = $('item-keywords');
  box.innerHTML = '';
  if (!list.length) return;
  const h = document.createElement('span');
  h.className = 'kw-label';
  h.textContent = `${t('keywords')}: `;
  box.appendChild(h);
  for (const k of list) {
    const chip = document.createElement('span');
    chip.className = 'kw';
    const a = document.createElement('button');
    a.className = 'link kw-search';
    a.textContent = k;
    a.addEventListener('click', () => {
      closeItem();
      showView('search');
      $('s-keyword').value = k;
      runSearch(false);
    });
    chip.appendChild(a);
    if (S.me.allow_edit) {
      const x = document.createElement('button');
      x.className = 'link kw-remove';
      x.textContent = '×';
      x.title = t('removeKeyword');
      x.setAttribute('aria-label', `${t('removeKeyword')} ${k}`);
      x.addEventListener('click', () => editItem({ remove_keywords: [k] }));
      chip.appendChild(x);
    }
    box.appendChild(chip);
  }
}

$('edit-place').addEventListener('click', () => {
  S.picking = S.itemId;
  closeItem();
  showView('map');
  $('pick-hint').classList.remove('hidden');
});

// ---- map -----------------------------------------------------------------------------------
async function openMap() {
  if (!S.map) {
    S.map = L.map('map', { worldCopyJump: true, minZoom: 1, maxZoom: 18, attributionControl: true }).setView([30, 10], 2);
    S.map.attributionControl.setPrefix('Leaflet');
    S.map.attributionControl.addAttribution('Natural Earth, world-atlas');
    S.map.on('moveend', refreshClusters);
    S.map.on('click', async (ev) => {
      if (!S.picking) return;
      const id = S.picking;
      S.picking = null;
      $('pick-hint').classList.add('hidden');
      const r = await api(`/api/items/${id}/edit`, { method: 'POST', body: { lat: ev.latlng.lat, lon: L.Util.wrapNum(ev.latlng.lng, [-180, 180], true) } });
      await afterEdit();
      if (r.status === 200) showItem(id);
    });
    const world = await fetch('/assets/vendor/countries-50m.json').then((r) => r.json());
    L.geoJSON(topojson.feature(world, world.objects.countries), {
      style: { color: '#777', weight: 0.6, fillColor: '#f2efe6', fillOpacity: 1 },
      interactive: false,
    }).addTo(S.map);
    S.layer = L.layerGroup().addTo(S.map);
  }
  S.map.invalidateSize();
  refreshClusters();
}

async function refreshClusters() {
  if (!S.map || S.view !== 'map' || !S.library) return;
  const b = S.map.getBounds();
  const z = Math.round(S.map.getZoom());
  const w = Math.max(-180, b.getWest()); const e = Math.min(180, b.getEast());
  const q = `library=${encodeURIComponent(S.library)}&zoom=${z}&west=${w}&south=${Math.max(-90, b.getSouth())}&east=${e}&north=${Math.min(90, b.getNorth())}`;
  const r = await api(`/api/clusters?${q}`);
  if (r.status !== 200) return;
  S.layer.clearLayers();
  for (const c of r.body.clusters) {
    const size = Math.round(24 + Math.min(40, Math.log2(c.n + 1) * 6));
    const icon = L.divIcon({ className: '', html: `<div class="cluster" data-n="${c.n}" style="width:${size}px;height:${size}px">${c.n}</div>`, iconSize: [size, size] });
    const mk = L.marker([c.lat, c.lon], { icon, keyboard: false });
    mk.on('click', () => showCluster(c, z));
    S.layer.addLayer(mk);
  }
  $('map').dataset.clusters = String(r.body.clusters.length);
  $('map').dataset.zoom = String(z);
}

async function showCluster(c, z) {
  const r = await api(`/api/clusters/items?library=${encodeURIComponent(S.library)}&cell=${c.cell}&limit=500`);
  if (r.status !== 200) return;
  $('cluster-panel').classList.remove('hidden');
  $('cluster-title').textContent = `${r.body.total} ${t('photos')}`;
  fillGrid($('cluster-items'), r.body.items, false);
  S.map.invalidateSize();
  if (c.n > 1 && z < 16) S.map.setView([c.lat, c.lon], z + 2);
}

function fillGrid(box, items, append) {
  if (!append) box.innerHTML = '';
  const base = append ? S.list.length : 0;
  if (!append) S.list = [];
  items.forEach((it, k) => {
    S.list.push(it);
    const el = makeCell(it, -1);
    el.style.position = '';
    el.onclick = (ev) => {
      ev.stopPropagation();
      if (S.selectMode) { toggleSelect(it.id); el.classList.toggle('selected'); return; }
      S.pos = -1;
      showItem(it.id);
    };
    el.dataset.k = String(base + k);
    box.appendChild(el);
  });
}

// ---- places and search ---------------------------------------------------------------------
async function loadPlaces() {
  const r = await api(`/api/places?library=${encodeURIComponent(S.library)}`);
  const box = $('places-list');
  box.innerHTML = '';
  for (const p of (r.body && r.body.places) || []) {
    const el = document.createElement('div');
    el.className = 'place';
    const img = document.createElement('img');
    img.loading = 'lazy'; img.alt = ''; img.src = `/api/items/${p.rep}/thumb`;
    const d = document.createElement('div');
    d.textContent = `${p.city ? `${p.city}, ` : ''}${p.country} · ${p.n}`;
    el.append(img, d);
    el.addEventListener('click', () => {
      showView('search');
      loadPlaceOptions().then(() => {
        $('s-place').value = p.city ? `${p.country_code}/${p.city}` : p.country_code;
        runSearch(false);
      });
    });
    box.appendChild(el);
  }
}

async function loadPlaceOptions() {
  const r = await api(`/api/places?library=${encodeURIComponent(S.library)}`);
  const sel = $('s-place');
  const keep = sel.value;
  sel.innerHTML = '<option value=""></option>';
  const countries = new Map();
  for (const p of (r.body && r.body.places) || []) {
    countries.set(p.country_code, (countries.get(p.country_code) || { name: p.country, n: 0 }));
    countries.get(p.country_code).n += p.n;
    if (p.city) {
      const o = document.createElement('option');
      o.value = `${p.country_code}/${p.city}`; o.textContent = `${p.city}, ${p.country} (${p.n})`;
      sel.appendChild(o);
    }
  }
  for (const [cc, c] of countries) {
    const o = document.createElement('option');
    o.value = cc; o.textContent = `${c.name} (${c.n})`;
    sel.insertBefore(o, sel.children[1] || null);
  }
  sel.value = keep;
}

async function loadKeywordOptions() {
  const r = await api(`/api/keywords?library=${encodeURIComponent(S.library)}`);
  const dl = $('s-keywords');
  dl.innerHTML = '';
  for (const k of (r.body && r.body.keywords) || []) {
    const o = document.createElement('option');
    o.value = k.keyword;
    o.textContent = `${k.keyword} (${k.n})`;
    dl.appendChild(o);
  }
}

$('search-form').addEventListener('submit', (ev) => { ev.preventDefault(); runSearch(false); });
$('s-more').addEventListener('click', () => runSearch(true));

async function runSearch(more) {
  const p = new URLSearchParams({ library: S.library, limit: '200' });
  if ($('s-from').value) p.set('from', $('s-from').value);
  if ($('s-to').value) p.set('to', $('s-to').value);
  if ($('s-camera').value) p.set('camera', $('s-camera').value);
  if ($('s-place').value) p.set('place', $('s-place').value);
  if ($('s-keyword').value.trim()) p.set('keyword', $('s-keyword').value.trim());
  if (more && S.searchCursor) p.set('cursor', S.searchCursor);
  const r = await api(`/api/items?${p}`);
  if (r.status !== 200) return;
  fillGrid($('search-results'), r.body.items, more);
  S.searchCursor = r.body.next_cursor;
  $('s-more').classList.toggle('hidden', !S.searchCursor);
  $('s-count').textContent = `${S.list.length}${S.searchCursor ? '+' : ''} ${t('results')}`;
}

applyLang();
start();
