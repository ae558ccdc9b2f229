// albumen's page: login, timeline (virtual scrolling, month sections, a scrubber and a date
// drawer), memories, map (clusters), places, people, favourites, one search box and the filter
// search, a full-screen viewer (swipe, pinch and double-tap zoom, Live Photos on press) and
// edits. Every view has an address (`#/view/args?params`, `&photo=ID` for the viewer), so Back,
// Forward and reload work. No framework; the API is /api/… (crates/albumen-server/src/api.rs).
// Optional modules (assets/albums.js …) are listed by /assets/modules.json and register their
// views through `window.albumen.registerView`.
'use strict';

const I18N = {
  en: {
    user: 'User', password: 'Password', login: 'Log in', logout: 'Log out', timeline: 'Photos',
    map: 'Map', places: 'Places', search: 'Search', select: 'Select', undo: 'Undo',
    shiftBy: 'Shift time by (hours)', apply: 'Apply', clear: 'Clear', jump: 'Jump to date',
    pickHint: 'Click the map to set the place', from: 'From', to: 'To', camera: 'Camera',
    place: 'Place', more: 'More', edit: 'Edit', rating: 'Rating', keyword: 'Keyword', add: 'Add',
    setPlace: 'Set place on the map', original: 'Original file', wrong: 'Wrong user or password',
    tooMany: 'Too many attempts; try again later', undated: 'Undated', time: 'Time', zone: 'Zone',
    camera_: 'Camera', lens: 'Lens', size: 'Size', name: 'Name', keywords: 'Keywords',
    library: 'Library', saved: 'Saved', undone: 'Undone', nothing: 'Nothing to undo',
    failed: 'Failed', source: 'Time source', duration: 'Duration', noPlace: 'No place',
    changedSince: 'changed since, left as is', removeKeyword: 'Remove keyword', people: 'People',
    favorites: 'Favourites', albums: 'Albums', filters: 'Filters', searchPh: 'Search photos, places, people…',
    menu: 'Menu', onThisDay: 'On this day', emptyLibrary: 'No photos here yet.',
    noPeople: 'No people yet: faces are grouped into people by “albumen scan --vision”.',
    nothingHere: 'Nothing here.', noResults: 'No photos match.', previous: 'Previous', next: 'Next',
    close: 'Close', favorite: 'Favourite', info: 'Details', unnamed: 'Unnamed', rename: 'Name',
    save: 'Save', hide: 'Hide', merge: 'Merge into…', mergeBtn: 'Merge', pending: 'Updating',
    searchFor: (q) => `“${q}”`, memoryOf: (y) => `On this day in ${y}`, hidden: 'Hidden',
    albumsMissing: 'Albums are not available on this server.', favoriteAdded: 'Added to favourites',
    notFound: 'Not found', offline: 'The server cannot be reached',
    rawJpeg: 'RAW+JPEG', editedStack: 'Edited', burst: (n) => `Burst ×${n}`, stack: 'Stack',
    makeFace: 'Show this one', split: 'Split', restore: 'Restore', similar: 'More like this',
    similarTo: 'Similar photos', addToAlbum: 'Add to album', trash: 'Trash', shown: 'shown',
  },
  zh: {
    user: '用户', password: '密码', login: '登录', logout: '退出', timeline: '照片', map: '地图',
    places: '地点', search: '搜索', select: '选择', undo: '撤销', shiftBy: '时间偏移（小时）',
    apply: '应用', clear: '清除', jump: '跳到日期', pickHint: '点击地图设置地点', from: '从', to: '到',
    camera: '相机', place: '地点', more: '更多', edit: '编辑', rating: '评分', keyword: '关键词',
    add: '添加', setPlace: '在地图上设置地点', original: '原始文件', wrong: '用户名或密码错误',
    tooMany: '尝试次数过多，请稍后再试', undated: '无日期', time: '时间', zone: '时区',
    camera_: '相机', lens: '镜头', size: '尺寸', name: '文件名', keywords: '关键词', library: '图库',
    saved: '已保存', undone: '已撤销', nothing: '没有可撤销的操作', failed: '失败',
    source: '时间来源', duration: '时长', noPlace: '无地点', changedSince: '之后已被修改，未撤销',
    removeKeyword: '删除关键词', people: '人物', favorites: '收藏', albums: '相册', filters: '筛选',
    searchPh: '搜索照片、地点、人物…', menu: '菜单', onThisDay: '那年今日',
    emptyLibrary: '这里还没有照片。', noPeople: '还没有人物：“albumen scan --vision” 会把人脸归为人物。',
    nothingHere: '这里什么都没有。', noResults: '没有符合的照片。', previous: '上一张', next: '下一张',
    close: '关闭', favorite: '收藏', info: '详情', unnamed: '未命名', rename: '名字', save: '保存',
    hide: '隐藏', merge: '合并到…', mergeBtn: '合并', pending: '正在更新',
    searchFor: (q) => `“${q}”`, memoryOf: (y) => `${y}年的今天`, hidden: '已隐藏',
    albumsMissing: '此服务器没有相册功能。', favoriteAdded: '已收藏', notFound: '未找到',
    offline: '无法连接服务器',
    rawJpeg: 'RAW+JPEG', editedStack: '已编辑', burst: (n) => `连拍 ×${n}`, stack: '堆叠',
    makeFace: '显示这张', split: '拆分', restore: '恢复', similar: '更多类似的',
    similarTo: '类似的照片', addToAlbum: '添加到相册', trash: '废纸篓', shown: '显示中',
  },
};
// Nouns counted with the language's plural rules (English: one/other; Chinese has one form).
const NOUNS = {
  en: { photo: ['photo', 'photos'], result: ['result', 'results'], face: ['face', 'faces'], selected: ['selected', 'selected'], file: ['file', 'files'] },
  zh: { photo: '张照片', result: '个结果', face: '张人脸', selected: '项已选择', file: '个文件' },
};

function browserLang() {
  const l = ((navigator.languages && navigator.languages[0]) || navigator.language || 'en').toLowerCase();
  return l.startsWith('zh') ? 'zh' : 'en';
}
let lang = localStorage.getItem('albumen-lang') || browserLang();
const t = (k, ...a) => {
  const v = (I18N[lang] && I18N[lang][k]) || I18N.en[k] || k;
  return typeof v === 'function' ? v(...a) : v;
};
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

// ---- formatting (Intl, for the page's language) ----------------------------------------------
const F = {};
function makeFormats() {
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  const loc = lang === 'zh' ? 'zh-CN' : (/^en\b/i.test(nav) ? nav : 'en');
  const utc = { timeZone: 'UTC' };
  F.loc = loc;
  F.num = new Intl.NumberFormat(loc);
  F.plural = new Intl.PluralRules(loc);
  F.month = new Intl.DateTimeFormat(loc, { ...utc, year: 'numeric', month: 'long' });
  F.monthName = new Intl.DateTimeFormat(loc, { ...utc, month: 'short' });
  F.monthShort = new Intl.DateTimeFormat(loc, { ...utc, year: 'numeric', month: 'short' });
  F.year = new Intl.DateTimeFormat(loc, { ...utc, year: 'numeric' });
  F.day = new Intl.DateTimeFormat(loc, { ...utc, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
  F.dayLong = new Intl.DateTimeFormat(loc, { ...utc, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  F.time = new Intl.DateTimeFormat(loc, { ...utc, hour: 'numeric', minute: '2-digit', second: '2-digit' });
  F.timeShort = new Intl.DateTimeFormat(loc, { ...utc, hour: 'numeric', minute: '2-digit' });
  F.rel = new Intl.RelativeTimeFormat(loc, { numeric: 'auto' });
  F.mb = new Intl.NumberFormat(loc, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 });
  F.kb = new Intl.NumberFormat(loc, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 0 });
  F.dur = typeof Intl.DurationFormat === 'function' ? new Intl.DurationFormat(loc, { style: 'narrow' }) : null;
  F.sec = new Intl.NumberFormat(loc, { style: 'unit', unit: 'second', unitDisplay: 'narrow', maximumFractionDigits: 1 });
  F.min = new Intl.NumberFormat(loc, { style: 'unit', unit: 'minute', unitDisplay: 'narrow' });
  F.list = typeof Intl.ListFormat === 'function' ? new Intl.ListFormat(loc, { type: 'unit', style: 'narrow' }) : null;
}
makeFormats();

/// "12 photos" / "1 photo" / "12张照片".
function count(n, noun) {
  const num = F.num.format(n);
  if (lang === 'zh') return `${num}${NOUNS.zh[noun]}`;
  const forms = NOUNS.en[noun] || [noun, noun];
  return `${num} ${F.plural.select(n) === 'one' ? forms[0] : forms[1]}`;
}
/// A local ("wall clock") timestamp of the index (`YYYY-MM-DD[THH:MM[:SS[.f]]]`) as a Date
/// whose UTC fields are those wall-clock fields (formatted with timeZone UTC: never shifted).
function wall(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s || '');
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0)));
  d.setUTCFullYear(+m[1]);
  return Number.isNaN(d.getTime()) ? null : { d, hasTime: m[4] != null };
}
function fmtDay(ts) { const w = wall(ts); return w ? F.day.format(w.d) : t('undated'); }
function fmtMonthKey(k) { const w = wall(`${k}-01`); return w ? F.month.format(w.d) : t('undated'); }
function fmtDateTime(ts) {
  const w = wall(ts);
  if (!w) return t('undated');
  return w.hasTime ? `${F.dayLong.format(w.d)} ${F.time.format(w.d)}` : F.dayLong.format(w.d);
}
function fmtDuration(s) {
  if (s == null || !(s >= 0)) return '';
  if (s < 60) return F.sec.format(s);
  if (F.dur) {
    const whole = Math.round(s);
    return F.dur.format({ hours: Math.floor(whole / 3600), minutes: Math.floor(whole % 3600 / 60), seconds: whole % 60 });
  }
  return `${F.min.format(Math.floor(s / 60))} ${F.sec.format(Math.round(s % 60))}`;
}
function fmtSize(bytes) { return bytes >= 1e6 ? F.mb.format(bytes / 1e6) : F.kb.format(Math.max(1, bytes / 1e3)); }
function fmtOffset(s) {
  const sign = s < 0 ? '−' : '+';
  const a = Math.abs(s);
  return `UTC${sign}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor(a % 3600 / 60)).padStart(2, '0')}`;
}
function joinList(parts) { return F.list ? F.list.format(parts) : parts.join(', '); }

function applyLang() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  makeFormats();
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      e.setAttribute(attr, t(key));
    }
  }
  if (S.days) { renderNav(); layout(); renderMemories(); }
  if (S.itemData) renderItemInfo(S.itemData);
  if (S.view === 'people') renderPeople();
  updateSelectionBar();
}

// ---- state and API ------------------------------------------------------------------------
const S = {
  me: null, library: null, libraries: [], view: null, routeKey: null, days: null, total: 0,
  pages: new Map(), loading: new Set(), selected: new Set(), selectMode: false,
  ctx: { kind: 'timeline' }, list: [], listNext: null, listLoad: null, pos: -1, map: null,
  layer: null, picking: null, generation: 0, itemId: null, itemData: null, favs: new Set(),
  memories: null, people: null, daysSig: '', pending: 0, modules: new Map(), pushedPhoto: false,
};

async function api(path, opts = {}) {
  const o = { credentials: 'same-origin', headers: {}, ...opts };
  if (o.body && typeof o.body !== 'string') {
    o.body = JSON.stringify(o.body);
    o.headers['Content-Type'] = 'application/json';
  }
  if (o.method && o.method !== 'GET' && S.me) o.headers['X-CSRF-Token'] = S.me.csrf;
  let r;
  try { r = await fetch(path, o); } catch (e) { return { status: 0, body: null }; }
  if (r.status === 401 && path !== '/api/login') { S.me = null; showLogin(); throw new Error('401'); }
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return { status: r.status, body };
}
const libq = () => `library=${encodeURIComponent(S.library || '')}`;
const itemsOf = (b) => (Array.isArray(b) ? b : (b && Array.isArray(b.items) ? b.items : []));

function showLogin() {
  $('app').classList.add('hidden');
  $('item').classList.add('hidden');
  $('login').classList.remove('hidden');
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const r = await api('/api/login', { method: 'POST', body: { user: $('login-user').value, password: $('login-pass').value } });
  if (r.status === 200) { $('login-pass').value = ''; $('login-error').textContent = ''; start(); }
  else $('login-error').textContent = r.status === 429 ? t('tooMany') : (r.status === 0 ? t('offline') : t('wrong'));
});

for (const b of document.querySelectorAll('.lang-switch')) {
  b.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('albumen-lang', lang);
    applyLang();
  });
}

$('logout').addEventListener('click', async () => {
  await api('/api/logout', { method: 'POST' }).catch(() => null);
  S.me = null;
  clearAppCaches();
  S.favs.clear();
  S.people = null;
  closeViewerUI();
  showLogin();
});

// The service worker keeps the page's own assets (never API answers or photos); its cache is
// dropped on logout.
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}
function clearAppCaches() {
  if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: 'logout' });
  if (window.caches) caches.keys().then((ks) => ks.filter((k) => k.startsWith('albumen-')).forEach((k) => caches.delete(k))).catch(() => {});
}

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
  S.libraries = (await api('/api/libraries')).body || [];
  const sel = $('library');
  sel.innerHTML = '';
  for (const l of S.libraries) {
    const o = el('option', null, `${l.name} (${F.num.format(l.items)})`);
    o.value = l.name;
    sel.appendChild(o);
  }
  sel.classList.toggle('hidden', S.libraries.length < 2);
  const want = parseHash().params.get('library');
  if (want && S.libraries.some((l) => l.name === want)) sel.value = want;
  S.library = sel.value || null;
  applyLang();
  await loadLibrary();
  loadModules();
  S.routeKey = null;
  await route();
  if (!S.polling) { S.polling = true; pollStatus(); }
}

$('library').addEventListener('change', async () => {
  S.library = $('library').value;
  await loadLibrary();
  go(hashOf('timeline'));
});

// ---- addresses ------------------------------------------------------------------------------
// `#/view/arg/arg?k=v&photo=ID`; `library=` when the user has more than one library.
function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  let parts = path.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  // The old `#library=NAME` form.
  if (parts.length === 1 && parts[0].includes('=')) { for (const [k, v] of new URLSearchParams(parts[0])) params.set(k, v); parts = []; }
  return { view: parts[0] || 'timeline', args: parts.slice(1), params };
}
function hashOf(view, args = [], params = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') p.set(k, v);
  if (S.libraries.length > 1 && S.library) p.set('library', S.library);
  const qs = p.toString();
  return `#/${[view, ...args].map((a) => encodeURIComponent(a)).join('/')}${qs ? `?${qs}` : ''}`;
}
function withParam(hash, key, value) {
  const [path, qs] = hash.split('?');
  const p = new URLSearchParams(qs || '');
  if (value == null || value === '') p.delete(key); else p.set(key, value);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}
function currentHash() { return location.hash || '#/timeline'; }
function go(h) { if (location.hash === h) route(); else location.hash = h; }
function replaceHash(h) { if (location.hash !== h) history.replaceState(history.state, '', h); }
// hashchange and popstate both come for one traversal: one route for both.
let routeQueued = 0;
function scheduleRoute() { clearTimeout(routeQueued); routeQueued = setTimeout(route, 0); }
window.addEventListener('hashchange', scheduleRoute);
window.addEventListener('popstate', scheduleRoute);

/// Shows what the address says: the view (only when it changed) and the viewer.
async function route() {
  if (!S.me) return;
  const r = parseHash();
  const lib = r.params.get('library');
  if (lib && lib !== S.library && S.libraries.some((l) => l.name === lib)) {
    $('library').value = lib;
    S.library = lib;
    await loadLibrary();
    S.routeKey = null;
  }
  const photo = r.view === 'photo' ? r.args[0] : r.params.get('photo');
  const key = withParam(r.view === 'photo' ? '#/timeline' : currentHash(), 'photo', null);
  if (key !== S.routeKey) {
    S.routeKey = key;
    await showRoute(r.view === 'photo' ? { view: 'timeline', args: [], params: new URLSearchParams() } : r);
  }
  if (photo && /^\d+$/.test(photo)) {
    if (String(S.itemId) !== photo || $('item').classList.contains('hidden')) await openViewer(Number(photo));
  } else if (!$('item').classList.contains('hidden')) {
    closeViewerUI();
  }
}

async function showRoute(r) {
  const p = r.params;
  switch (r.view) {
    case 'map': showView('map'); await openMap(p.get('at')); break;
    case 'places': showView('places'); loadPlaces(); break;
    case 'place': {
      const [cc, city] = r.args;
      placeTitle(cc, city);
      await showList(city ? `${city}` : cc, `/api/items?${libq()}&place=${encodeURIComponent(city ? `${cc}/${city}` : cc)}`, 'place');
      break;
    }
    case 'people': showView('people'); loadPeople(); break;
    case 'person': await showPerson(r.args[0]); break;
    case 'favorites': await showList(t('favorites'), `/api/items?${libq()}&favorite=1`, 'favorites'); break;
    case 'memories': await showMemory(p.get('date'), p.get('year')); break;
    case 'search': await showSearch(p); break;
    case 'similar': await showSimilar(r.args[0]); break;
    case 'albums': case 'album': showModuleView('albums', r); break;
    default:
      if (S.modules.has(r.view)) { showModuleView(r.view, r); break; }
      showView('timeline');
      if (p.get('d')) jumpToDay(p.get('d'), true);
  }
}

for (const b of document.querySelectorAll('#tabs button')) {
  b.addEventListener('click', () => {
    const v = b.dataset.view;
    go(hashOf(v === 'albums' && S.modules.has('albums') ? 'albums' : v));
  });
}

function showView(v) {
  S.view = v;
  const tab = { list: S.listTab, person: 'people' }[v] || v;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === tab);
  for (const s of document.querySelectorAll('.view')) s.classList.toggle('hidden', s.id !== `view-${v}`);
  $('menu').classList.remove('open');
  if (v === 'timeline') { layout(); }
  if (v === 'search') { loadPlaceOptions(); loadKeywordOptions(); }
}

// ---- the search box -----------------------------------------------------------------------
$('qform').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = $('q').value.trim();
  $('q').blur();
  if (q) go(hashOf('search', [], { q }));
});

// ---- timeline -----------------------------------------------------------------------------
const PAGE = 200;
let GAP = 2;
let cellSize = 120;
let cols = 3;
let sections = []; // { key, label, first, n, y }: months, y = the top of their first row
let monthStarts = new Map(); // index of a month's first item -> the month's name
let spacerH = 0;

async function loadLibrary() {
  S.generation += 1;
  S.pages = new Map();
  S.loading = new Set();
  S.selected.clear();
  S.people = null;
  updateSelectionBar();
  if (!S.library) { S.days = []; S.total = 0; layout(); return; }
  const [r] = await Promise.all([api(`/api/timeline?${libq()}`), loadFavorites(), loadMemories()]);
  S.days = (r.body && r.body.days) || [];
  S.daysSig = JSON.stringify(S.days);
  S.total = S.days.reduce((a, d) => a + d.n, 0);
  renderNav();
  layout();
  if (S.map) refreshClusters();
}

/// The user's favourites in this library (a set of ids; the list is short).
async function loadFavorites() {
  S.favs = new Set();
  const r = await api(`/api/items?${libq()}&favorite=1&limit=1000`);
  // A server without favourites ignores `favorite=1` and its items carry no `favorite` flag:
  // then the page offers none.
  const items = r.status === 200 ? itemsOf(r.body) : [];
  S.favSupported = items.length === 0 || items.some((it) => typeof it.favorite === 'boolean');
  for (const it of items) if (it.favorite === true) S.favs.add(it.id);
  $('tab-favorites').classList.toggle('hidden', !S.favSupported);
  $('item-fav').classList.toggle('hidden', !S.favSupported);
}

function monthKey(day) { return day ? day.slice(0, 7) : ''; }

function renderNav() {
  const years = new Map();
  for (const d of S.days) {
    const y = d.day ? d.day.slice(0, 4) : '';
    if (!years.has(y)) years.set(y, new Map());
    const ms = years.get(y);
    const m = d.day ? d.day.slice(5, 7) : '';
    if (!ms.has(m)) ms.set(m, []);
    ms.get(m).push(d);
  }
  const box = $('years');
  box.innerHTML = '';
  for (const [y, ms] of years) {
    const yn = [...ms.values()].flat().reduce((a, d) => a + d.n, 0);
    const ye = el('div', 'year', y || t('undated'));
    ye.appendChild(el('span', 'n', F.num.format(yn)));
    const first = [...ms.values()][0][0];
    ye.addEventListener('click', () => { closeNav(); jumpToDay(first.day); });
    box.appendChild(ye);
    const mbox = el('div', 'months');
    for (const [m, ds] of ms) {
      if (!m) continue;
      const w = wall(`${y}-${m}-01`);
      const me = el('button', 'month', w ? F.monthName.format(w.d) : m);
      me.title = `${w ? F.month.format(w.d) : ''} · ${count(ds.reduce((a, d) => a + d.n, 0), 'photo')}`;
      me.addEventListener('click', () => { closeNav(); jumpToDay(ds[0].day); });
      mbox.appendChild(me);
    }
    box.appendChild(mbox);
  }
}

$('nav-btn').addEventListener('click', () => $('nav').classList.toggle('hidden'));
$('nav-close').addEventListener('click', closeNav);
function closeNav() { $('nav').classList.add('hidden'); }

/// Index (in timeline order, newest first) of the first item of `day` or the nearest older day.
function indexOfDay(day) {
  let i = 0;
  for (const d of S.days) {
    if (d.day !== null && d.day <= day) return i;
    i += d.n;
  }
  return Math.max(0, S.total - 1);
}

function jumpToDay(day, fromAddress) {
  if (!S.days) return;
  scrollToIndex(day ? indexOfDay(day) : S.total - 1);
  if (!fromAddress) rememberPosition(true);
}

const DATEBAR = 40; // the sticky date bar over the grid
function spacerTop() { return $('spacer').offsetTop; }
/// The grid's y (spacer coordinates) at the top of what is seen under the date bar.
function viewTop(scrollTop, spTop) {
  return Math.max(0, (scrollTop != null ? scrollTop : $('scroller').scrollTop) - (spTop != null ? spTop : spacerTop()) + DATEBAR);
}
/// The item at the top left of what is seen.
function topIndex(vt0) {
  if (!sections.length) return 0;
  // After a jump the item jumped to names the position (its row may begin with a newer one).
  if (S.anchor && Math.abs(S.anchor.top - $('scroller').scrollTop) < 2 && S.anchor.gen === S.generation) return S.anchor.i;
  const vt = vt0 != null ? vt0 : viewTop();
  return Math.max(0, Math.min(S.total - 1, Math.floor((vt + 4) / (cellSize + GAP)) * cols));
}

function scrollToIndex(i) {
  const p = posOf(i);
  if (!p) return;
  const sc = $('scroller');
  sc.scrollTop = Math.max(0, p.top - 4) + spacerTop() - DATEBAR;
  S.anchor = { i, top: sc.scrollTop, gen: S.generation };
  renderGrid();
}

$('jump').addEventListener('change', () => { if ($('jump').value) { closeNav(); jumpToDay($('jump').value); } });

function layout() {
  const sc = $('scroller');
  if (!sc.clientWidth || !S.days) return;
  const phone = sc.clientWidth < 600;
  GAP = phone ? 2 : 4;
  const pad = phone ? 0 : 16;
  const w = sc.clientWidth - pad * 2 - (phone ? 0 : 28);
  const target = phone ? 96 : 150;
  cols = Math.max(3, Math.floor((w + GAP) / (target + GAP)));
  cellSize = Math.floor((w - GAP * (cols - 1)) / cols);
  $('spacer').style.marginLeft = `${pad}px`;
  sections = [];
  let y = 0;
  let first = 0;
  for (const d of S.days) {
    const k = monthKey(d.day);
    let s = sections[sections.length - 1];
    if (!s || s.key !== k) {
      s = { key: k, label: k ? fmtMonthKey(k) : t('undated'), first, n: 0, y: 0, h: 0 };
      sections.push(s);
    }
    s.n += d.n;
    first += d.n;
  }
  // One continuous grid (dense on a phone even when months are sparse); a month's first cell
  // carries the month's name.
  const rowH = cellSize + GAP;
  monthStarts = new Map();
  for (const s of sections) {
    s.y = Math.floor(s.first / cols) * rowH;
    monthStarts.set(s.first, s.label);
  }
  y = Math.ceil(S.total / cols) * rowH;
  spacerH = y;
  $('spacer').style.height = `${y}px`;
  $('spacer').style.width = `${cols * (cellSize + GAP) - GAP}px`;
  $('timeline-empty').classList.toggle('hidden', S.total > 0);
  for (const [, e] of cells) e.remove();
  cells.clear();
  renderScrubber();
  renderGrid();
}

window.addEventListener('resize', () => { if (S.days) layout(); if (S.map) S.map.invalidateSize(); });
let scrollQueued = false;
$('scroller').addEventListener('scroll', () => {
  if (scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => { scrollQueued = false; renderGrid(); rememberPosition(false); });
}, { passive: true });

function sectionAtIndex(i) {
  let lo = 0; let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sections[mid].first <= i) lo = mid; else hi = mid - 1;
  }
  return sections[lo];
}
function sectionAtY(y) {
  let lo = 0; let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sections[mid].y <= y) lo = mid; else hi = mid - 1;
  }
  return sections[lo];
}
function posOf(i) {
  if (!sections.length) return null;
  return { top: Math.floor(i / cols) * (cellSize + GAP), left: (i % cols) * (cellSize + GAP) };
}

function itemAt(i) {
  const p = S.pages.get(Math.floor(i / PAGE));
  return p ? p[i % PAGE] : undefined;
}

async function loadPage(p) {
  if (S.pages.has(p) || S.loading.has(p) || !S.library) return;
  S.loading.add(p);
  const gen = S.generation;
  try {
    const r = await api(`/api/items?${libq()}&limit=${PAGE}&offset=${p * PAGE}`);
    if (gen !== S.generation) return;
    S.pages.set(p, itemsOf(r.body));
  } finally {
    S.loading.delete(p);
  }
  renderGrid();
}

const cells = new Map(); // index -> element

function renderGrid() {
  if (S.view !== 'timeline' || !S.days || !sections.length) return;
  const sc = $('scroller');
  const sp = $('spacer');
  const rowH = cellSize + GAP;
  // Everything measured is read once, before anything is written (no layout in between).
  const scrollTop = sc.scrollTop;
  const spTop = spacerTop();
  const clientH = sc.clientHeight;
  const scrollH = sc.scrollHeight;
  const top = scrollTop - spTop;
  const y0 = Math.max(0, top - 2 * rowH);
  const y1 = top + clientH + 2 * rowH;
  const want = new Set();
  const r0 = Math.max(0, Math.floor(y0 / rowH));
  const r1 = Math.ceil(y1 / rowH);
  for (let i = r0 * cols; i < Math.min(S.total, r1 * cols); i++) want.add(i);
  for (const [i, e] of cells) {
    if (!want.has(i) || e.dataset.gen !== String(S.generation)) { e.remove(); cells.delete(i); }
  }
  for (const i of want) {
    const it = itemAt(i);
    if (!it) { loadPage(Math.floor(i / PAGE)); continue; }
    let e = cells.get(i);
    if (e && e.dataset.id !== String(it.id)) { e.remove(); cells.delete(i); e = null; }
    if (!e) {
      e = makeCell(it, () => openFromTimeline(i, it.id));
      if (monthStarts.has(i)) e.appendChild(el('span', 'month-chip', monthStarts.get(i)));
      const p = posOf(i);
      e.style.left = `${p.left}px`;
      e.style.top = `${p.top}px`;
      e.style.width = e.style.height = `${cellSize}px`;
      e.dataset.gen = String(S.generation);
      e.dataset.i = String(i);
      cells.set(i, e);
      sp.appendChild(e);
    }
    e.classList.toggle('selected', S.selected.has(it.id));
  }
  const vt = viewTop(scrollTop, spTop);
  const cur = itemAt(topIndex(vt));
  const label = cur ? fmtDay(cur.t) : sectionAtY(vt).label;
  if ($('current-date').textContent !== label) $('current-date').textContent = label;
  updateScrubThumb(scrollTop, scrollH, clientH);
}

function makeCell(it, open) {
  const e = el('div', 'cell');
  e.dataset.id = it.id;
  e.dataset.t = it.t || '';
  const img = el('img');
  // The timeline's cells exist only near the screen (lazy loading would only wait longer).
  img.loading = S.view === 'timeline' ? 'eager' : 'lazy';
  img.decoding = 'async';
  img.alt = '';
  img.draggable = false;
  img.src = `/api/items/${it.id}/thumb`;
  e.appendChild(img);
  if (it.kind === 'live-photo' || it.kind === 'video' || it.kind === 'motion-photo') {
    e.appendChild(el('span', 'badge', it.kind === 'video' ? (it.duration_s ? fmtDuration(it.duration_s) : '▶') : 'LIVE'));
  }
  if (it.stack && it.stack.kind) e.appendChild(el('span', 'badge stack-badge', stackLabel(it.stack.kind, it.stack.members)));
  if (isFav(it)) e.appendChild(favMark());
  e.addEventListener('click', (ev) => {
    if (S.selectMode || ev.ctrlKey || ev.metaKey) { toggleSelect(it.id); e.classList.toggle('selected', S.selected.has(it.id)); return; }
    open();
  });
  return e;
}
/// A stack's short name: RAW+JPEG, Edited, Burst ×N (localised).
function stackLabel(kind, n) {
  if (kind === 'raw-jpeg') return t('rawJpeg');
  if (kind === 'edited') return t('editedStack');
  if (kind === 'burst') return t('burst', F.num.format(n || 0));
  return t('stack');
}
function favMark() {
  const m = el('span', 'fav-mark');
  m.innerHTML = '<svg class="icon"><use href="#i-heart-on"/></svg>';
  return m;
}
function isFav(it) { return it.favorite === true || S.favs.has(it.id); }

/// The timeline's position in the address (replaced, not pushed: Back leaves the timeline).
let rememberTimer = 0;
function rememberPosition(now) {
  if (S.view !== 'timeline' || !$('item').classList.contains('hidden')) return;
  clearTimeout(rememberTimer);
  rememberTimer = setTimeout(() => {
    if (S.view !== 'timeline' || !$('item').classList.contains('hidden')) return;
    let d = null;
    if ($('scroller').scrollTop > 4 && sections.length) {
      const it = itemAt(topIndex());
      d = it && it.t ? it.t.slice(0, 10) : null;
    }
    const h = hashOf('timeline', [], { d });
    S.routeKey = h;
    replaceHash(h);
  }, now ? 0 : 400);
}

// The scrubber: years along the right edge; dragging it scrolls, a bubble says the month.
function renderScrubber() {
  scrubTrack = 0;
  const box = $('scrub-years');
  box.innerHTML = '';
  const track = $('scrubber').clientHeight;
  if (!track || !spacerH) return;
  let lastY = -99;
  let lastYear = null;
  for (const s of sections) {
    const year = s.key.slice(0, 4);
    if (year === lastYear) continue;
    lastYear = year;
    const y = (s.y / spacerH) * track;
    if (y - lastY < 18) continue;
    lastY = y;
    const lab = el('span', 'scrub-year', year || '…');
    lab.style.top = `${y}px`;
    box.appendChild(lab);
  }
}
let scrubTrack = 0;
function updateScrubThumb(scrollTop, scrollH, clientH) {
  const max = scrollH - clientH;
  if (!scrubTrack) scrubTrack = $('scrubber').clientHeight;
  $('scrubber').classList.toggle('hidden', max < clientH);
  $('scrub-thumb').style.transform = `translateY(${max > 0 ? (scrollTop / max) * (scrubTrack - 28) : 0}px)`;
}
{
  const sb = $('scrubber');
  let dragging = false;
  const at = (ev) => {
    const r = sb.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height));
    const sc = $('scroller');
    sc.scrollTop = f * (sc.scrollHeight - sc.clientHeight);
    const s = sectionAtY(viewTop());
    const b = $('scrub-bubble');
    b.textContent = s ? s.label : '';
    b.style.top = `${Math.min(r.height - 30, Math.max(0, ev.clientY - r.top - 15))}px`;
    b.classList.remove('hidden');
  };
  sb.addEventListener('pointerdown', (ev) => { dragging = true; sb.setPointerCapture(ev.pointerId); sb.classList.add('active'); at(ev); ev.preventDefault(); });
  sb.addEventListener('pointermove', (ev) => { if (dragging) at(ev); });
  const end = () => { dragging = false; sb.classList.remove('active'); $('scrub-bubble').classList.add('hidden'); rememberPosition(true); };
  sb.addEventListener('pointerup', end);
  sb.addEventListener('pointercancel', end);
}

// ---- memories ("on this day" in earlier years) ------------------------------------------------
function todayMD() {
  const d = new Date();
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
async function loadMemories(date) {
  S.memories = null;
  const r = await api(`/api/memories?${libq()}&date=${date || todayMD()}`);
  if (r.status === 200 && r.body && Array.isArray(r.body.groups)) {
    S.memories = { date: date || todayMD(), groups: r.body.groups.filter((g) => itemsOf(g).length) };
  }
  renderMemories();
  return S.memories;
}
function renderMemories() {
  const box = $('memory-cards');
  box.innerHTML = '';
  const groups = (S.memories && S.memories.groups) || [];
  $('memories').classList.toggle('hidden', !groups.length);
  const now = new Date().getFullYear();
  for (const g of groups) {
    const items = itemsOf(g);
    const card = el('button', 'memory');
    // The cover is a background: the card is a link to the year's photos, not a photo tile.
    card.style.backgroundImage = `url("/api/items/${Number(items[0].id)}/thumb")`;
    const label = el('span', 'memory-label');
    label.appendChild(el('b', null, F.rel.format(Number(g.year) - now, 'year')));
    label.appendChild(el('span', null, count(Number(g.n) || items.length, 'photo')));
    card.appendChild(label);
    card.title = t('memoryOf', g.year);
    card.addEventListener('click', () => go(hashOf('memories', [], { date: S.memories.date, year: g.year })));
    box.appendChild(card);
  }
}
async function showMemory(date, year) {
  let m = S.memories;
  if (!m || m.date !== date) m = await loadMemories(date);
  const g = m && m.groups.find((x) => String(x.year) === String(year));
  showListItems(t('memoryOf', year), g ? itemsOf(g) : [], 'timeline');
}

// ---- lists (place, person, favourites, memories, module views) -----------------------------
function showListItems(title, items, tab) {
  S.listTab = tab;
  showView('list');
  $('list-title').textContent = title;
  $('list-actions').classList.add('hidden');
  $('list-actions').innerHTML = '';
  S.listLoad = null;
  fillGrid($('list-items'), items, false);
  $('list-more').classList.add('hidden');
  $('list-count').textContent = count(items.length, 'photo');
  $('list-empty').textContent = t('nothingHere');
  $('list-empty').classList.toggle('hidden', items.length > 0);
}
async function showList(title, url, tab) {
  S.listTab = tab;
  showView('list');
  $('list-title').textContent = title;
  $('list-actions').classList.add('hidden');
  $('list-actions').innerHTML = '';
  $('list-items').innerHTML = '';
  $('list-count').textContent = '';
  $('list-empty').classList.add('hidden');
  $('list-empty').textContent = t('nothingHere');
  S.listLoad = { url, next: null };
  await loadListPage(false);
}
async function loadListPage(more) {
  const L = S.listLoad;
  if (!L) return;
  const key = S.routeKey;
  const u = `${L.url}&limit=200${more && L.next ? `&cursor=${encodeURIComponent(L.next)}` : ''}`;
  const r = await api(u);
  if (key !== S.routeKey) return;
  let items = r.status === 200 ? itemsOf(r.body) : [];
  if (S.listTab === 'favorites') items = items.filter((it) => it.favorite !== false);
  L.next = r.body && r.body.next_cursor;
  fillGrid($('list-items'), items, more);
  $('list-more').classList.toggle('hidden', !L.next);
  $('list-count').textContent = r.status === 200 ? `${count(S.list.length, 'photo')}${L.next ? '+' : ''}` : (r.status === 404 ? t('notFound') : t('failed'));
  $('list-empty').classList.toggle('hidden', S.list.length > 0 || r.status !== 200);
}
$('list-more').addEventListener('click', () => loadListPage(true));

async function placeTitle(cc, city) {
  const r = await api(`/api/places?${libq()}`);
  const p = ((r.body && r.body.places) || []).find((x) => x.country_code === cc && (!city || x.city === city));
  if (p) $('list-title').textContent = city ? `${p.city}, ${p.country}` : p.country;
}

/// A grid of items (not virtual: lists are paged by 200); its cells open the viewer over it.
function fillGrid(box, items, append) {
  if (!append) { box.innerHTML = ''; S.list = []; }
  const base = S.list.length;
  const frag = document.createDocumentFragment();
  items.forEach((it, k) => {
    S.list.push(it);
    const e = makeCell(it, () => openFromList(base + k, it.id));
    e.dataset.k = String(base + k);
    frag.appendChild(e);
  });
  box.appendChild(frag);
  S.ctx = { kind: 'list', box };
}

// ---- viewer --------------------------------------------------------------------------------
function openFromTimeline(i, id) {
  S.ctx = { kind: 'timeline' };
  S.pos = i;
  S.pushedPhoto = true;
  go(withParam(currentHash(), 'photo', id));
}
function openFromList(k, id) {
  S.ctx = { kind: 'list' };
  S.pos = k;
  S.pushedPhoto = true;
  go(withParam(currentHash(), 'photo', id));
}
function neighbour(d) {
  if (S.pos < 0) return null;
  if (S.view === 'timeline') return itemAt(S.pos + d) || null;
  return S.list[S.pos + d] || null;
}
/// Where item `id` is in the current view (after a reload the position is not known).
async function locate(id, ts) {
  if (S.view === 'timeline') {
    if (S.pos >= 0 && itemAt(S.pos) && itemAt(S.pos).id === id) return;
    for (const [p, items] of S.pages) {
      const k = items.findIndex((x) => x.id === id);
      if (k >= 0) { S.pos = p * PAGE + k; return; }
    }
    if (!ts || !S.days) { S.pos = -1; return; }
    const i = indexOfDay(ts.slice(0, 10));
    for (const p of [Math.floor(i / PAGE), Math.floor(i / PAGE) + 1]) {
      if (!S.pages.has(p)) await loadPage(p);
      const items = S.pages.get(p) || [];
      const k = items.findIndex((x) => x.id === id);
      if (k >= 0) { S.pos = p * PAGE + k; scrollToIndex(S.pos); return; }
    }
    S.pos = -1;
  } else {
    if (S.list[S.pos] && S.list[S.pos].id === id) return;
    S.pos = S.list.findIndex((x) => x.id === id);
  }
}

async function openViewer(id) {
  S.itemId = id;
  const r = await api(`/api/items/${id}`);
  if (S.itemId !== id) return;
  if (r.status !== 200) {
    S.pushedPhoto = false;
    replaceHash(withParam(currentHash(), 'photo', null));
    closeViewerUI();
    return;
  }
  const m = r.body;
  S.itemData = m;
  if (typeof m.favorite === 'boolean') { if (m.favorite) S.favs.add(id); else S.favs.delete(id); }
  $('item').classList.remove('hidden');
  document.body.classList.add('viewing');
  $('item').dataset.id = id;
  resetZoom();
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
  renderItemInfo(m);
  await locate(id, m.time_local);
  updateArrows();
  // The neighbours' previews, so a swipe shows the next photo at once.
  for (const d of [1, -1]) { const n = neighbour(d); if (n) { const pre = new Image(); pre.src = `/api/items/${n.id}/preview`; } }
}

function updateArrows() {
  $('item-prev').classList.toggle('hidden', !neighbour(-1));
  $('item-next').classList.toggle('hidden', !neighbour(1));
}

function renderItemInfo(m) {
  const id = m.id;
  const place = m.place ? [m.place.city, m.place.region, m.place.country].filter(Boolean).join(', ') : '';
  $('item-title').textContent = m.time_local ? fmtDay(m.time_local) : t('undated');
  const w = wall(m.time_local);
  $('item-sub').textContent = [w && w.hasTime ? F.timeShort.format(w.d) : '', place].filter(Boolean).join(' · ');
  $('item-name').textContent = m.title ? `${m.title} — ${m.name}` : m.name;
  const rows = [
    [t('library'), m.library],
    [t('time'), m.time_local ? fmtDateTime(m.time_local) : t('undated'), 'item-time', m.time_local],
    [t('zone'), [m.time_zone, m.time_offset_s != null ? fmtOffset(m.time_offset_s) : null].filter(Boolean).join(' ')],
    [t('source'), [m.time_source, m.time_confidence].filter(Boolean).join(', ')],
    [t('place'), place || (m.lat != null ? `${F.num.format(+m.lat.toFixed(5))}, ${F.num.format(+m.lon.toFixed(5))}` : t('noPlace'))],
    [t('camera_'), [m.make, m.model].filter(Boolean).join(' ')], [t('lens'), m.lens],
    [t('size'), m.width ? `${F.num.format(m.width)} × ${F.num.format(m.height)} · ${fmtSize(m.size)}` : fmtSize(m.size)],
    [t('duration'), m.duration_s ? fmtDuration(m.duration_s) : null],
    [t('rating'), m.rating != null ? '★'.repeat(Math.max(0, m.rating)) || '0' : null],
  ];
  const tb = $('item-meta');
  tb.innerHTML = '';
  for (const [k, val, rowId, iso] of rows) {
    if (val == null || val === '') continue;
    const tr = el('tr');
    const a = el('td', null, k);
    const b = el('td', null, val);
    if (rowId) { b.id = rowId; if (iso) b.dataset.iso = iso; }
    tr.append(a, b);
    tb.appendChild(tr);
  }
  renderKeywords(m.keywords || []);
  renderItemPeople(Array.isArray(m.people) ? m.people : []);
  S.stackSplit = null;
  renderStack(id, m.stack && Array.isArray(m.stack.members) ? m.stack : null);
  $('item-edit').classList.toggle('hidden', !S.me || !S.me.allow_edit);
  $('edit-rating').value = m.rating != null ? String(m.rating) : '';
  $('item-original').href = `/api/items/${id}/original`;
  renderFavButton();
}

// ---- stacks (RAW+JPEG, edited versions, bursts) in the viewer's details ----------------------
/// Lists the members of the item's stack; editors can make one the face, split or restore it.
function renderStack(id, st) {
  const box = $('item-stack');
  box.innerHTML = '';
  const edit = S.me && S.me.allow_edit;
  if (!st) {
    // A stack split here stays restorable until the viewer moves on.
    if (edit && S.stackSplit === id) {
      const b = el('button', 'stack-restore', t('restore'));
      b.addEventListener('click', () => stackAction(id, 'restore'));
      box.append(el('h3', null, t('stack')), b);
    }
    return;
  }
  box.appendChild(el('h3', null, `${stackLabel(st.kind, st.members.length)}`));
  const ul = el('ul', 'stack-members');
  for (const mb of st.members) {
    const li = el('li', mb.face ? 'stack-member face' : 'stack-member');
    li.dataset.id = mb.file_id;
    const img = el('img');
    img.src = `/api/items/${mb.file_id}/thumb`;
    img.alt = '';
    img.loading = 'lazy';
    const name = String(mb.path || '').split('/').pop();
    li.append(img, el('span', 'stack-name', `${name}${mb.kind ? ` · ${mb.kind}` : ''}${mb.face ? ` · ${t('shown')}` : ''}`));
    if (edit && !mb.face) {
      const b = el('button', 'stack-face', t('makeFace'));
      b.addEventListener('click', () => stackAction(mb.file_id, 'face'));
      li.appendChild(b);
    }
    ul.appendChild(li);
  }
  box.appendChild(ul);
  if (edit) {
    const sp = el('button', 'stack-split', t('split'));
    sp.addEventListener('click', () => stackAction(id, 'split'));
    const rs = el('button', 'stack-restore', t('restore'));
    rs.addEventListener('click', () => stackAction(id, 'restore'));
    box.append(sp, rs);
  }
}
async function stackAction(target, action) {
  const id = S.itemId;
  const r = await api(`/api/items/${target}/stack`, { method: 'POST', body: { action } });
  if (r.status !== 200) { $('item-sub').textContent = `${t('failed')} (${r.status})`; return; }
  if (action === 'split') S.stackSplit = id;
  if (action === 'restore') S.stackSplit = null;
  const g = await api(`/api/items/${id}/stack`);
  if (S.itemId !== id) return;
  const st = g.status === 200 && g.body && g.body.stack && Array.isArray(g.body.stack.members) ? g.body.stack : null;
  const keepSplit = S.stackSplit;
  renderStack(id, st);
  S.stackSplit = keepSplit;
  // The timeline shows stacks as one item: reload it behind the viewer.
  const keep = $('scroller').scrollTop;
  const sel = new Set(S.selected);
  await loadLibrary();
  for (const x of sel) S.selected.add(x);
  updateSelectionBar();
  $('scroller').scrollTop = keep;
  renderGrid();
}

// ---- "more like this" ----------------------------------------------------------------------
$('item-similar').addEventListener('click', () => { if (S.itemId) go(hashOf('similar', [String(S.itemId)])); });
/// `#/similar/ID`: the items most like ID (the classifier's embeddings), or why there are none.
async function showSimilar(id) {
  S.listTab = 'timeline';
  showView('list');
  $('list-title').textContent = t('similarTo');
  $('list-actions').classList.add('hidden');
  $('list-actions').innerHTML = '';
  $('list-items').innerHTML = '';
  $('list-count').textContent = '';
  $('list-more').classList.add('hidden');
  $('list-empty').classList.add('hidden');
  S.listLoad = null;
  S.list = [];
  const key = S.routeKey;
  const r = /^\d+$/.test(id || '') ? await api(`/api/items/${id}/similar?limit=24`) : { status: 404, body: null };
  if (key !== S.routeKey) return;
  const items = r.status === 200 && r.body && Array.isArray(r.body.items) ? r.body.items.filter((x) => x && typeof x.id === 'number') : [];
  fillGrid($('list-items'), items, false);
  $('list-count').textContent = r.status === 200 ? count(items.length, 'photo') : (r.status === 404 ? t('notFound') : t('failed'));
  if (!items.length) {
    $('list-empty').textContent = (r.body && r.body.reason) || t('nothingHere');
    $('list-empty').classList.remove('hidden');
  }
}

function renderFavButton() {
  const on = S.favs.has(S.itemId);
  const b = $('item-fav');
  b.setAttribute('aria-pressed', String(on));
  b.classList.toggle('on', on);
  b.querySelector('use').setAttribute('href', on ? '#i-heart-on' : '#i-heart');
}
$('item-fav').addEventListener('click', toggleFavorite);
async function toggleFavorite() {
  const id = S.itemId;
  if (!id) return;
  const want = !S.favs.has(id);
  const r = await api(`/api/items/${id}/favorite`, { method: 'POST', body: { favorite: want } });
  if (r.status !== 200) { $('item-sub').textContent = `${t('failed')} (${r.status})`; return; }
  if (want) S.favs.add(id); else S.favs.delete(id);
  for (const items of [...S.pages.values(), S.list]) for (const it of items) if (it.id === id) it.favorite = want;
  renderFavButton();
  for (const c of document.querySelectorAll(`.cell[data-id="${id}"]`)) {
    const m = c.querySelector('.fav-mark');
    if (want && !m) c.appendChild(favMark());
    if (!want && m) m.remove();
  }
}

$('item-info-btn').addEventListener('click', () => $('item').classList.toggle('info-open'));
$('item-close').addEventListener('click', closeItem);
document.addEventListener('keydown', (ev) => {
  if ($('item').classList.contains('hidden')) return;
  if (ev.target && /INPUT|SELECT|TEXTAREA/.test(ev.target.tagName)) return;
  if (ev.key === 'Escape') closeItem();
  if (ev.key === 'ArrowRight') step(1);
  if (ev.key === 'ArrowLeft') step(-1);
  if (ev.key === 'f') toggleFavorite();
});
$('item-prev').addEventListener('click', () => step(-1));
$('item-next').addEventListener('click', () => step(1));
function step(d) {
  const it = neighbour(d);
  if (!it) return;
  S.pos += d;
  replaceHash(withParam(currentHash(), 'photo', it.id));
  openViewer(it.id);
}
/// Closes the viewer by going back when the viewer's address was pushed from this page,
/// else to the view under it.
function closeItem() {
  if (S.pushedPhoto && history.length > 1) { S.pushedPhoto = false; history.back(); return; }
  const r = parseHash();
  go(r.view === 'photo' ? hashOf('timeline') : withParam(currentHash(), 'photo', null));
}
function closeViewerUI() {
  const v = $('item-video');
  v.pause();
  v.removeAttribute('src');
  v.load();
  $('item').classList.add('hidden');
  $('item').classList.remove('info-open');
  document.body.classList.remove('viewing');
  S.itemId = null;
  S.itemData = null;
  S.pushedPhoto = false;
}

// A Live Photo moves while pressed (touch: press and hold; mouse: hover or press).
let liveTimer = 0;
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
  clearTimeout(liveTimer);
  const v = $('item-video');
  if (v.controls) return;
  v.pause();
  v.classList.add('hidden');
}
// (pointer events, not mouse ones: a touch's compatibility mouse events must not restart it)
$('item-media').addEventListener('pointerenter', (ev) => { if (ev.pointerType === 'mouse') playLive(); });
$('item-media').addEventListener('pointerleave', (ev) => { if (ev.pointerType === 'mouse') stopLive(); });
$('item-media').addEventListener('contextmenu', (ev) => ev.preventDefault());
$('live-badge').addEventListener('click', playLive);

// Swipe to the next/previous photo, pinch or double-tap to zoom, drag to pan when zoomed.
const Z = { s: 1, x: 0, y: 0, pts: new Map(), start: null, pinch: null, lastTap: 0, swiping: false };
function applyZoom(animate) {
  const st = $('item-stage');
  st.style.transition = animate ? 'transform .2s ease-out' : 'none';
  st.style.transform = `translate(${Z.x}px, ${Z.y}px) scale(${Z.s})`;
  $('item').classList.toggle('zoomed', Z.s > 1.01);
}
function resetZoom() { Z.s = 1; Z.x = 0; Z.y = 0; Z.pinch = null; Z.start = null; applyZoom(false); }
function zoomAt(cx, cy, s) {
  const r = $('item-media').getBoundingClientRect();
  const px = cx - r.left - r.width / 2;
  const py = cy - r.top - r.height / 2;
  const ns = Math.min(6, Math.max(1, s));
  Z.x = px - (px - Z.x) * (ns / Z.s);
  Z.y = py - (py - Z.y) * (ns / Z.s);
  Z.s = ns;
  if (ns <= 1.01) { Z.s = 1; Z.x = 0; Z.y = 0; }
}
{
  const media = $('item-media');
  media.addEventListener('pointerdown', (ev) => {
    if (ev.target.closest('button') || ev.target.id === 'live-badge') return;
    if (ev.pointerType === 'mouse' && ev.button !== 0) return;
    Z.lastType = ev.pointerType;
    try { media.setPointerCapture(ev.pointerId); } catch (e) { /* gone */ }
    Z.pts.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (Z.pts.size === 1) {
      Z.start = { x: ev.clientX, y: ev.clientY, zx: Z.x, zy: Z.y, at: Date.now() };
      // press and hold plays a Live Photo (touch); a mouse press plays it at once
      clearTimeout(liveTimer);
      liveTimer = setTimeout(playLive, ev.pointerType === 'mouse' ? 0 : 180);
    } else if (Z.pts.size === 2) {
      stopLive();
      const [a, b] = [...Z.pts.values()];
      Z.pinch = { d: Math.hypot(a.x - b.x, a.y - b.y) || 1, s: Z.s };
      Z.start = null;
    }
  });
  media.addEventListener('pointermove', (ev) => {
    if (!Z.pts.has(ev.pointerId)) return;
    Z.pts.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (Z.pinch && Z.pts.size >= 2) {
      const [a, b] = [...Z.pts.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      zoomAt((a.x + b.x) / 2, (a.y + b.y) / 2, Z.pinch.s * (d / Z.pinch.d));
      applyZoom(false);
      return;
    }
    if (!Z.start) return;
    const dx = ev.clientX - Z.start.x;
    const dy = ev.clientY - Z.start.y;
    if (Math.abs(dx) > 8 || Math.abs(dy) > 8) stopLive();
    if (Z.s > 1.01) { Z.x = Z.start.zx + dx; Z.y = Z.start.zy + dy; applyZoom(false); return; }
    if (Math.abs(dx) > Math.abs(dy)) { $('item-stage').style.transition = 'none'; $('item-stage').style.transform = `translate(${dx}px, 0)`; }
    else if (dy > 0) { $('item-stage').style.transition = 'none'; $('item-stage').style.transform = `translate(0, ${dy}px) scale(${1 - Math.min(0.3, dy / 1500)})`; }
  });
  const up = (ev) => {
    if (!Z.pts.has(ev.pointerId)) return;
    Z.pts.delete(ev.pointerId);
    if (Z.pinch) {
      if (Z.pts.size < 2) { Z.pinch = null; if (Z.s < 1.05) resetZoom(); applyZoom(true); }
      return;
    }
    stopLive();
    const s0 = Z.start;
    Z.start = null;
    if (!s0) return;
    const dx = ev.clientX - s0.x;
    const dy = ev.clientY - s0.y;
    const quick = Date.now() - s0.at < 300;
    if (Math.abs(dx) < 10 && Math.abs(dy) < 10 && quick && ev.pointerType !== 'mouse') {
      const now = Date.now();
      if (now - Z.lastTap < 400) { Z.lastTap = 0; zoomAt(ev.clientX, ev.clientY, Z.s > 1.01 ? 1 : 2.5); applyZoom(true); return; }
      Z.lastTap = now;
      return;
    }
    if (Z.s > 1.01) return;
    const w = $('item-media').clientWidth;
    if (Math.abs(dx) > Math.max(50, w * 0.15) && Math.abs(dx) > Math.abs(dy) && neighbour(dx < 0 ? 1 : -1)) {
      const st = $('item-stage');
      st.style.transition = 'transform .15s ease-in';
      st.style.transform = `translate(${dx < 0 ? -w : w}px, 0)`;
      setTimeout(() => step(dx < 0 ? 1 : -1), 150);
      return;
    }
    if (dy > 120 && Math.abs(dy) > Math.abs(dx)) { closeItem(); return; }
    applyZoom(true);
  };
  media.addEventListener('pointerup', up);
  media.addEventListener('pointercancel', up);
  // (a touch double tap is handled above; the browser's dblclick after it is not a second one)
  media.addEventListener('dblclick', (ev) => { if (Z.lastType && Z.lastType !== 'mouse') return; zoomAt(ev.clientX, ev.clientY, Z.s > 1.01 ? 1 : 2.5); applyZoom(true); });
  media.addEventListener('wheel', (ev) => {
    if (!ev.ctrlKey && Z.s <= 1.01) return;
    ev.preventDefault();
    zoomAt(ev.clientX, ev.clientY, Z.s * Math.exp(-ev.deltaY / 300));
    applyZoom(false);
  }, { passive: false });
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
}
function updateSelectionBar() {
  $('selection-bar').classList.toggle('hidden', !(S.selectMode || S.selected.size));
  $('selection-count').textContent = count(S.selected.size, 'selected');
  $('sel-album').classList.toggle('hidden', !S.modules.has('albums'));
}
$('sel-album').addEventListener('click', () => go(hashOf('albums')));
$('sel-clear').addEventListener('click', () => { S.selected.clear(); updateSelectionBar(); for (const c of document.querySelectorAll('.cell.selected')) c.classList.remove('selected'); });
$('sel-apply').addEventListener('click', async () => {
  const h = Number($('sel-shift').value);
  if (!S.selected.size || !h) return;
  const r = await api('/api/edit', { method: 'POST', body: { ids: [...S.selected], shift_seconds: Math.round(h * 3600) } });
  $('selection-count').textContent = r.status === 200 ? `${t('saved')}: ${count(r.body.changed, 'file')}` : t('failed');
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
    if (changed) msg += ` (${count(changed, 'file')} ${t('changedSince')})`;
  }
  $('edit-status').textContent = msg;
  await afterEdit();
  if (!$('item').classList.contains('hidden') && S.itemId) openViewer(S.itemId);
});

async function editItem(body) {
  const id = S.itemId;
  $('edit-status').textContent = '…';
  const r = await api(`/api/items/${id}/edit`, { method: 'POST', body });
  $('edit-status').textContent = r.status === 200 && r.body.changed ? t('saved') : `${t('failed')} (${r.status})`;
  await afterEdit();
  await openViewer(id);
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
// The people seen in the item: each opens their photos.
function renderItemPeople(list) {
  const box = $('item-people');
  box.innerHTML = '';
  if (!list.length) return;
  box.appendChild(el('span', 'kw-label', `${t('people')}: `));
  for (const p of list) {
    const a = el('button', 'link person-link', p.name || t('unnamed'));
    a.addEventListener('click', () => { S.pushedPhoto = false; go(hashOf('person', [String(p.id)])); });
    box.appendChild(a);
  }
}
// The item's keywords: each opens the search for it; with --allow-edit each can be removed.
function renderKeywords(list) {
  const box = $('item-keywords');
  box.innerHTML = '';
  if (!list.length) return;
  box.appendChild(el('span', 'kw-label', `${t('keywords')}: `));
  for (const k of list) {
    const chip = el('span', 'kw');
    const a = el('button', 'link kw-search', k);
    a.addEventListener('click', () => { S.pushedPhoto = false; go(hashOf('search', [], { keyword: k })); });
    chip.appendChild(a);
    if (S.me && S.me.allow_edit) {
      const x = el('button', 'link kw-remove', '×');
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
  S.pushedPhoto = false;
  go(hashOf('map'));
  $('pick-hint').classList.remove('hidden');
});

// ---- map -----------------------------------------------------------------------------------
async function openMap(at) {
  const m = /^(-?[\d.]+),(-?[\d.]+),(\d+)$/.exec(at || '');
  if (!S.map) {
    S.map = L.map('map', { worldCopyJump: true, minZoom: 1, maxZoom: 18, attributionControl: true })
      .setView(m ? [+m[1], +m[2]] : [30, 10], m ? +m[3] : 2);
    S.map.attributionControl.setPrefix('Leaflet');
    S.map.attributionControl.addAttribution('Natural Earth, world-atlas');
    S.map.on('moveend', () => {
      refreshClusters();
      if (S.view === 'map') {
        const c = S.map.getCenter();
        const h = hashOf('map', [], { at: `${c.lat.toFixed(4)},${L.Util.wrapNum(c.lng, [-180, 180], true).toFixed(4)},${S.map.getZoom()}` });
        if (parseHash().view === 'map' && !parseHash().params.get('photo')) { S.routeKey = h; replaceHash(h); }
      }
    });
    S.map.on('click', async (ev) => {
      if (!S.picking) return;
      const id = S.picking;
      S.picking = null;
      $('pick-hint').classList.add('hidden');
      const r = await api(`/api/items/${id}/edit`, { method: 'POST', body: { lat: ev.latlng.lat, lon: L.Util.wrapNum(ev.latlng.lng, [-180, 180], true) } });
      await afterEdit();
      if (r.status === 200) go(withParam(currentHash(), 'photo', id));
    });
    const world = await fetch('/assets/vendor/countries-50m.json').then((r) => r.json());
    L.geoJSON(topojson.feature(world, world.objects.countries), {
      style: { color: '#777', weight: 0.6, fillColor: '#f2efe6', fillOpacity: 1 },
      interactive: false,
    }).addTo(S.map);
    S.layer = L.layerGroup().addTo(S.map);
  }
  S.map.invalidateSize();
  if (m) S.map.setView([+m[1], +m[2]], +m[3], { animate: false });
  refreshClusters();
}

async function refreshClusters() {
  if (!S.map || S.view !== 'map' || !S.library) return;
  const b = S.map.getBounds();
  const z = Math.round(S.map.getZoom());
  const w = Math.max(-180, b.getWest()); const e = Math.min(180, b.getEast());
  const q = `${libq()}&zoom=${z}&west=${w}&south=${Math.max(-90, b.getSouth())}&east=${e}&north=${Math.min(90, b.getNorth())}`;
  const r = await api(`/api/clusters?${q}`);
  if (r.status !== 200) return;
  S.layer.clearLayers();
  for (const c of r.body.clusters) {
    const size = Math.round(28 + Math.min(40, Math.log2(c.n + 1) * 6));
    const icon = L.divIcon({ className: '', html: `<div class="cluster" data-n="${c.n}" style="width:${size}px;height:${size}px">${F.num.format(c.n)}</div>`, iconSize: [size, size] });
    const mk = L.marker([c.lat, c.lon], { icon, keyboard: false });
    mk.on('click', () => showCluster(c, z));
    S.layer.addLayer(mk);
  }
  $('map').dataset.clusters = String(r.body.clusters.length);
  $('map').dataset.zoom = String(z);
}

async function showCluster(c, z) {
  const r = await api(`/api/clusters/items?${libq()}&cell=${c.cell}&limit=500`);
  if (r.status !== 200) return;
  $('cluster-panel').classList.remove('hidden');
  $('cluster-title').textContent = count(r.body.total, 'photo');
  fillGrid($('cluster-items'), r.body.items, false);
  S.map.invalidateSize();
  if (c.n > 1 && z < 16) S.map.setView([c.lat, c.lon], z + 2);
}
$('cluster-close').addEventListener('click', () => { $('cluster-panel').classList.add('hidden'); S.map.invalidateSize(); });

// ---- places --------------------------------------------------------------------------------
async function loadPlaces() {
  const r = await api(`/api/places?${libq()}`);
  const box = $('places-list');
  box.innerHTML = '';
  for (const p of (r.body && r.body.places) || []) {
    const e = el('div', 'place');
    e.tabIndex = 0;
    const img = el('img');
    img.loading = 'lazy'; img.alt = ''; img.src = `/api/items/${p.rep}/thumb`;
    const d = el('div', null, p.city ? `${p.city}, ${p.country}` : p.country);
    d.appendChild(el('span', 'n', count(p.n, 'photo')));
    e.append(img, d);
    e.addEventListener('click', () => go(hashOf('place', p.city ? [p.country_code, p.city] : [p.country_code])));
    box.appendChild(e);
  }
}

// ---- people --------------------------------------------------------------------------------
const personName = (p) => p.name || t('unnamed');
/// A person's face: `thumb` is the address of a crop of their best face (`/api/faces/ID/thumb`).
function faceStyle(e, p) {
  const url = typeof p.thumb === 'string' && p.thumb.startsWith('/api/') ? p.thumb
    : (p.face != null ? `/api/faces/${Number(p.face)}/thumb` : null);
  if (url) e.style.backgroundImage = `url("${url}")`;
}
async function loadPeople() {
  const r = await api(`/api/people?${libq()}`);
  const list = Array.isArray(r.body) ? r.body : ((r.body && r.body.people) || []);
  S.people = r.status === 200 ? list : [];
  renderPeople();
  return S.people;
}
function renderPeople() {
  const box = $('people-list');
  box.innerHTML = '';
  const people = (S.people || []).filter((p) => !p.hidden);
  $('people-empty').classList.toggle('hidden', people.length > 0);
  for (const p of people) {
    const e = el('button', 'person');
    const face = el('span', 'face');
    faceStyle(face, p);
    e.appendChild(face);
    e.appendChild(el('span', `pname${p.name ? '' : ' unnamed'}`, personName(p)));
    if (p.items != null) e.appendChild(el('span', 'n', count(Number(p.items), 'photo')));
    else if (p.faces != null) e.appendChild(el('span', 'n', count(Number(p.faces), 'face')));
    e.addEventListener('click', () => go(hashOf('person', [String(p.id)])));
    box.appendChild(e);
  }
}
async function showPerson(id) {
  if (!S.people) await loadPeople();
  const p = (S.people || []).find((x) => String(x.id) === String(id));
  await showList(p ? personName(p) : t('people'), `/api/items?${libq()}&person=${encodeURIComponent(id)}`, 'people');
  if (!p) return;
  const acts = $('list-actions');
  acts.innerHTML = '';
  acts.classList.remove('hidden');
  const form = el('form', 'person-name');
  const inp = el('input');
  inp.id = 'person-name';
  inp.value = p.name || '';
  inp.placeholder = t('unnamed');
  inp.setAttribute('aria-label', t('rename'));
  const save = el('button', null, t('save'));
  save.type = 'submit';
  form.append(inp, save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api(`/api/people/${encodeURIComponent(id)}`, { method: 'POST', body: { name: inp.value.trim() } });
    if (r.status === 200) { p.name = inp.value.trim(); $('list-title').textContent = personName(p); S.people = null; }
    else $('list-count').textContent = `${t('failed')} (${r.status})`;
  });
  const others = (S.people || []).filter((x) => x.id !== p.id && !x.hidden);
  const sel = el('select');
  sel.id = 'person-merge';
  sel.appendChild(el('option', null, t('merge'))).value = '';
  for (const o of others) sel.appendChild(el('option', null, personName(o))).value = String(o.id);
  const merge = el('button', null, t('mergeBtn'));
  merge.addEventListener('click', async () => {
    if (!sel.value) return;
    // `POST /api/people/{into}/merge {"from"}`: this person's faces become the chosen one's.
    const r = await api(`/api/people/${encodeURIComponent(sel.value)}/merge`, { method: 'POST', body: { from: Number(id) } });
    if (r.status === 200) { S.people = null; go(hashOf('person', [sel.value])); }
    else $('list-count').textContent = `${t('failed')} (${r.status})`;
  });
  const hide = el('button', null, t('hide'));
  hide.addEventListener('click', async () => {
    const r = await api(`/api/people/${encodeURIComponent(id)}`, { method: 'POST', body: { hidden: true } });
    if (r.status === 200) { S.people = null; go(hashOf('people')); }
    else $('list-count').textContent = `${t('failed')} (${r.status})`;
  });
  acts.append(form, sel, merge, hide);
}

// ---- search --------------------------------------------------------------------------------
async function showSearch(p) {
  showView('search');
  const q = p.get('q') || '';
  $('q').value = q;
  const filters = ['from', 'to', 'camera', 'place', 'keyword'];
  for (const f of filters) { const e = $(`s-${f}`); if (e.tagName !== 'SELECT' || !p.get(f)) e.value = p.get(f) || ''; }
  if (p.get('place')) loadPlaceOptions().then(() => { $('s-place').value = p.get('place'); });
  const anyFilter = filters.some((f) => p.get(f));
  $('search-form').classList.toggle('collapsed', !!q || (!anyFilter && window.innerWidth < 600 && false));
  $('s-title').textContent = q ? t('searchFor', q) : '';
  $('search-results').innerHTML = '';
  $('s-count').textContent = '';
  $('s-empty').classList.add('hidden');
  S.list = [];
  if (!q && !anyFilter) { $('search-form').classList.remove('collapsed'); $('s-more').classList.add('hidden'); return; }
  S.searchCursor = null;
  await runSearch(false);
}
$('s-toggle').addEventListener('click', () => $('search-form').classList.toggle('collapsed'));

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const params = {};
  for (const f of ['from', 'to', 'camera', 'place', 'keyword']) { const v = $(`s-${f}`).value.trim(); if (v) params[f] = v; }
  go(hashOf('search', [], params));
});
$('s-more').addEventListener('click', () => runSearch(true));

async function runSearch(more) {
  const hp = parseHash().params;
  const q = hp.get('q');
  const key = S.routeKey;
  let r;
  if (q) {
    const p = new URLSearchParams({ library: S.library, q, limit: '200' });
    if (more && S.searchCursor) p.set('offset', S.searchCursor);
    r = await api(`/api/search?${p}`);
    // Without /api/search (an older server) the box searches keywords.
    if (r.status === 404) r = await api(`/api/items?${new URLSearchParams({ library: S.library, keyword: q, limit: '200' })}`);
  } else {
    const p = new URLSearchParams({ library: S.library, limit: '200' });
    for (const f of ['from', 'to', 'camera', 'place', 'keyword']) if (hp.get(f)) p.set(f, hp.get(f));
    if (more && S.searchCursor) p.set('cursor', S.searchCursor);
    r = await api(`/api/items?${p}`);
  }
  if (key !== S.routeKey) return;
  if (r.status !== 200) { $('s-count').textContent = `${t('failed')} (${r.status})`; return; }
  fillGrid($('search-results'), itemsOf(r.body), more);
  S.searchCursor = r.body && (r.body.next_cursor || (r.body.next_offset != null ? String(r.body.next_offset) : null));
  $('s-more').classList.toggle('hidden', !S.searchCursor);
  $('s-count').textContent = `${count(S.list.length, 'result')}${S.searchCursor ? '+' : ''}`;
  $('s-empty').classList.toggle('hidden', S.list.length > 0);
}

async function loadPlaceOptions() {
  const r = await api(`/api/places?${libq()}`);
  const sel = $('s-place');
  const keep = sel.value;
  sel.innerHTML = '<option value=""></option>';
  const countries = new Map();
  for (const p of (r.body && r.body.places) || []) {
    if (!countries.has(p.country_code)) countries.set(p.country_code, { name: p.country, n: 0 });
    countries.get(p.country_code).n += p.n;
    if (p.city) {
      const o = el('option', null, `${p.city}, ${p.country} (${F.num.format(p.n)})`);
      o.value = `${p.country_code}/${p.city}`;
      sel.appendChild(o);
    }
  }
  for (const [cc, c] of countries) {
    const o = el('option', null, `${c.name} (${F.num.format(c.n)})`);
    o.value = cc;
    sel.insertBefore(o, sel.children[1] || null);
  }
  sel.value = keep;
}

async function loadKeywordOptions() {
  const r = await api(`/api/keywords?${libq()}`);
  const dl = $('s-keywords');
  dl.innerHTML = '';
  for (const k of (r.body && r.body.keywords) || []) {
    const o = el('option', null, `${k.keyword} (${F.num.format(k.n)})`);
    o.value = k.keyword;
    dl.appendChild(o);
  }
}

// ---- background work on the server (serve --watch) --------------------------------------
// The status says how much work is pending; when it drains, or the library's day counts move,
// the timeline is read again (new photos show without a reload).
let statusMissing = false;
async function pollStatus() {
  if (!S.me) { S.polling = false; return; }
  let pending = 0;
  let busy = false;
  try {
    if (!statusMissing) {
      const r = await api('/api/status');
      if (r.status === 404) statusMissing = true;
      if (r.status === 200 && r.body) { pending = pendingOf(r.body); busy = r.body.busy === true; }
    }
    showPending(pending, busy);
    if (S.library && document.visibilityState === 'visible') {
      const r = await api(`/api/timeline?${libq()}`);
      if (r.status === 200 && r.body && JSON.stringify(r.body.days || []) !== S.daysSig && !S.selected.size) {
        const keep = $('scroller').scrollTop;
        await loadLibrary();
        $('scroller').scrollTop = keep;
        renderGrid();
        // a list under the viewer stays as it is until the viewer closes
        if (S.view !== 'timeline' && S.view !== 'map' && $('item').classList.contains('hidden')) {
          const k = S.routeKey; S.routeKey = null; if (k) await route();
        }
      }
    }
  } catch (e) {
    // logged out (401) or offline: the next round asks again
  }
  if (!S.me) { S.polling = false; return; }
  setTimeout(pollStatus, pending > 0 || busy ? 2000 : 8000);
}
function pendingOf(b) {
  const n = (v) => (typeof v === 'number' ? v : (Array.isArray(v) ? v.length : 0));
  if (typeof b.pending === 'number' || Array.isArray(b.pending)) return n(b.pending);
  if (b.pending && typeof b.pending === 'object') return Object.values(b.pending).reduce((a, v) => a + n(v), 0);
  if (b.watch && typeof b.watch === 'object') return pendingOf(b.watch);
  return n(b.queue) + n(b.queued);
}
function showPending(n, busy) {
  S.pending = n;
  $('pending').classList.toggle('hidden', !(n > 0 || busy));
  $('pending-text').textContent = n > 0 ? F.num.format(n) : '';
  $('pending').title = n > 0 ? `${t('pending')}: ${count(n, 'file')}` : t('pending');
  $('pending').setAttribute('aria-label', $('pending').title);
}

// ---- the header menu on a phone ------------------------------------------------------------
$('menu-btn').addEventListener('click', (ev) => { ev.stopPropagation(); $('menu').classList.toggle('open'); });
document.addEventListener('click', (ev) => { if (!ev.target.closest('#menu')) $('menu').classList.remove('open'); });

// ---- optional modules (albums …) ------------------------------------------------------------
// `/assets/modules.json` lists the page's optional scripts; each calls
// `albumen.registerView(name, { render(root, route) })`. The albums tab shows once a module
// registers "albums"; `#/albums` and `#/album/ID` go to it.
window.albumen = {
  api, t, go, hashOf, count, fmtDay, fmtDateTime, get library() { return S.library; }, get lang() { return lang; },
  registerView(name, view) {
    S.modules.set(name, view);
    updateSelectionBar();
    const tab = $(`tab-${name}`);
    if (tab) tab.classList.remove('hidden');
    const r = parseHash();
    if (r.view === name || (name === 'albums' && r.view === 'album')) { S.routeKey = null; route(); }
  },
  /// Shows items in a grid the viewer pages through (for a module's view).
  fillGrid(box, items) { fillGrid(box, items, false); },
};
async function loadModules() {
  const r = await fetch('/assets/modules.json').then((x) => (x.ok ? x.json() : [])).catch(() => []);
  for (const name of Array.isArray(r) ? r : []) {
    if (!/^[a-z0-9_-]+\.js$/.test(name)) continue;
    const src = `/assets/${name}`;
    if (document.querySelector(`script[src="${src}"]`)) continue;
    const s = document.createElement('script');
    s.src = src;
    s.defer = true;
    document.body.appendChild(s);
  }
}
function showModuleView(name, r) {
  S.listTab = name;
  showView(name === 'albums' ? 'albums' : 'list');
  const m = S.modules.get(name);
  const root = name === 'albums' ? $('albums-root') : $('list-items');
  if (!m) { root.textContent = t('albumsMissing'); return; }
  try { m.render(root, r); } catch (e) { root.textContent = t('failed'); }
}

applyLang();
registerServiceWorker();
start();
