// Albums, share links and the trash. On the page (window.albumen) it registers the `albums`
// view: `#/albums`, `#/album/ID` and `#/albums/trash` show in the page's albums tab. Without it
// (an older page) it falls back to a full-screen panel opened by its own header buttons. It
// needs from the page only the library <select id="library"> and the selection (the page's
// `S.selected` set, or `window.albumenSelection`). Every write carries the CSRF token (the
// albumen_csrf cookie) like the page's own writes.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    kids.forEach((k) => e.append(k));
    return e;
  };
  const csrf = () => (document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('albumen_csrf=')) || '').slice(13);
  async function api(path, method, body) {
    const o = { method: method || 'GET', headers: {}, credentials: 'same-origin' };
    if (body !== undefined) { o.body = JSON.stringify(body); o.headers['Content-Type'] = 'application/json'; }
    if (o.method !== 'GET') o.headers['X-CSRF-Token'] = csrf();
    const r = await fetch(path, o);
    let b = null;
    try { b = await r.json(); } catch (_) { /* not JSON */ }
    return { status: r.status, body: b };
  }
  const library = () => ($('library') && $('library').value) || '';
  const selection = () => {
    // eslint-disable-next-line no-undef
    const s = (typeof S !== 'undefined' && S.selected) || window.albumenSelection || new Set();
    return [...s];
  };
  let allowEdit = false;
  const page = window.albumen && typeof window.albumen.registerView === 'function' ? window.albumen : null;
  // The few words shown, in the page's language (English or Chinese).
  const ZH = {
    Albums: '相册', 'New album name': '新相册名称', 'New album': '新建相册', 'Add {n} selected': '添加 {n} 项所选',
    'New album from {n} selected': '用 {n} 项所选新建相册', '‹ Albums': '‹ 相册', Rename: '重命名',
    'Delete album (keeps the photos)': '删除相册（保留照片）', 'Make a share link': '创建分享链接', Days: '天数',
    Revoke: '撤销', Cover: '封面', Remove: '移出', Trash: '废纸篓', Restore: '恢复', 'only you': '只有你',
    'Only you can see this album.': '只有你能看到这个相册。',
    'Anyone with one of these links can see this album (without location):': '有这些链接的人都能看到这个相册（不含位置）：',
    'Move {n} selected to the trash': '把 {n} 项所选移到废纸篓',
  };
  const L = (k, n) => {
    const s = (page && page.lang === 'zh' && ZH[k]) || k;
    return n === undefined ? s : s.replace('{n}', String(n));
  };

  const panel = el('div', { id: 'albums-panel', className: 'hidden' });
  panel.style.cssText = 'position:fixed;inset:0;z-index:2000;background:#fff;color:#111;overflow:auto;padding:12px;font:15px/1.4 system-ui,sans-serif';
  const panelBody = el('div', { id: 'albums-body' });
  const closeBtn = el('button', { id: 'albums-close', textContent: '✕ Close' });
  closeBtn.addEventListener('click', () => panel.classList.add('hidden'));
  panel.append(el('div', { style: 'display:flex;gap:8px;margin-bottom:8px' }, closeBtn));
  panel.append(panelBody);
  const hide = () => { panel.style.display = panel.classList.contains('hidden') ? 'none' : 'block'; };
  new MutationObserver(hide).observe(panel, { attributes: true, attributeFilter: ['class'] });
  hide();

  let body = panelBody;
  function open(render) {
    if (page) { render(); return; }
    body = panelBody;
    body.textContent = '';
    panel.classList.remove('hidden');
    render();
  }
  // On the page, moving between albums changes the address (Back works); in the panel it
  // renders in place.
  const goAlbums = () => (page ? page.go(page.hashOf('albums')) : listAlbums());
  const goAlbum = (id) => (page ? page.go(page.hashOf('album', [String(id)])) : showAlbum(id));
  const goTrash = () => (page ? page.go(page.hashOf('albums', ['trash'])) : showTrash());
  const thumb = (id) => el('img', { src: `/api/items/${id}/thumb`, loading: 'lazy', width: 96, height: 96, style: 'object-fit:cover' });
  const when = (s) => new Date(s * 1000).toLocaleString();

  async function listAlbums() {
    body.textContent = '';
    const sel = selection();
    const head = el('div', { style: 'display:flex;gap:8px;flex-wrap:wrap;align-items:center' });
    const name = el('input', { id: 'album-name', placeholder: L('New album name') });
    const make = el('button', { id: 'album-create', textContent: sel.length ? L('New album from {n} selected', sel.length) : L('New album') });
    make.addEventListener('click', async () => {
      if (!name.value.trim()) { name.focus(); return; }
      const r = await api('/api/albums', 'POST', { name: name.value, library: library() });
      if (r.status === 200 && sel.length) await api(`/api/albums/${r.body.id}/items`, 'POST', { items: sel });
      listAlbums();
    });
    const trash = el('button', { id: 'albums-trash', textContent: L('Trash') });
    trash.addEventListener('click', goTrash);
    head.append(el('h2', { textContent: L('Albums'), style: 'margin:0 12px 0 0' }), name, make, trash);
    body.append(head);
    const r = await api('/api/albums');
    const ul = el('ul', { id: 'album-list' });
    (Array.isArray(r.body) ? r.body : []).forEach((a) => {
      const li = el('li', { className: 'album', style: 'margin:8px 0;display:flex;gap:8px;align-items:center' });
      li.dataset.id = a.id;
      if (a.cover) li.append(thumb(a.cover));
      const who = a.links.length
        ? `shared by ${a.links.length} link(s) with anyone who has one (until ${when(Math.max(...a.links.map((l) => l.expires_at)))})`
        : L('only you');
      const open = el('button', { className: 'album-open', textContent: `${a.name} · ${a.items} · ${a.library} · seen by ${who}` });
      open.addEventListener('click', () => goAlbum(a.id));
      li.append(open);
      if (sel.length) {
        const add = el('button', { className: 'album-add', textContent: L('Add {n} selected', sel.length) });
        add.addEventListener('click', async () => { await api(`/api/albums/${a.id}/items`, 'POST', { items: sel }); listAlbums(); });
        li.append(add);
      }
      ul.append(li);
    });
    body.append(ul);
  }

  async function showAlbum(id) {
    body.textContent = '';
    const r = await api(`/api/albums/${id}/items`);
    if (r.status !== 200) { goAlbums(); return; }
    const a = r.body.album || { name: '', links: [] };
    const back = el('button', { id: 'album-back', textContent: L('‹ Albums') });
    back.addEventListener('click', goAlbums);
    const title = el('input', { id: 'album-title', value: a.name });
    const rename = el('button', { textContent: L('Rename') });
    rename.addEventListener('click', async () => { await api(`/api/albums/${id}`, 'POST', { name: title.value }); showAlbum(id); });
    const del = el('button', { id: 'album-delete', textContent: L('Delete album (keeps the photos)') });
    del.addEventListener('click', async () => {
      if (!window.confirm('Delete this album? The photos stay in the library.')) return;
      await api(`/api/albums/${id}`, 'DELETE'); goAlbums();
    });
    body.append(el('div', { style: 'display:flex;gap:8px;flex-wrap:wrap' }, back, title, rename, del));
    // Who can see it: the owner, and anyone with one of its working links.
    const share = el('section', { id: 'album-share' });
    share.append(el('h3', { textContent: L(a.links.length ? 'Anyone with one of these links can see this album (without location):' : 'Only you can see this album.') }));
    a.links.forEach((l) => {
      const revoke = el('button', { className: 'link-revoke', textContent: L('Revoke') });
      revoke.addEventListener('click', async () => { await api(`/api/albums/${id}/links/${l.id}`, 'DELETE'); showAlbum(id); });
      share.append(el('div', { className: 'link' }, `link ${l.hint}… made ${when(l.created_at)}, works until ${when(l.expires_at)} `, revoke));
    });
    const days = el('input', { id: 'link-days', type: 'number', min: 1, max: 3650, value: 30, style: 'width:5em' });
    const mk = el('button', { id: 'link-create', textContent: L('Make a share link') });
    const out = el('input', { id: 'link-url', readOnly: true, style: 'width:40em;max-width:100%' });
    mk.addEventListener('click', async () => {
      const l = await api(`/api/albums/${id}/links`, 'POST', { expires_days: Number(days.value) || 30 });
      if (l.status === 200) { await showAlbum(id); $('link-url').value = `${location.origin}${l.body.path}`; $('link-url').select(); }
    });
    share.append(el('div', { style: 'display:flex;gap:6px;flex-wrap:wrap;align-items:center' }, `${L('Days')}: `, days, mk, out));
    const warn = el('div', { id: 'album-withheld', style: 'color:#a40' });
    share.append(warn);
    body.append(share);
    api(`/api/albums/${id}/withheld`).then((w) => {
      ((w.body && w.body.withheld) || []).forEach((x) => warn.append(el('div', {}, `Item ${x.id}: shown as a preview only, the original is not shared — ${x.reason}`)));
    });
    const grid = el('div', { id: 'album-items', style: 'display:flex;flex-wrap:wrap;gap:4px;margin-top:8px' });
    (r.body.items || []).forEach((it) => {
      const cell = el('div', { className: 'album-item', style: 'display:flex;flex-direction:column;width:96px' });
      cell.dataset.id = it.id;
      const cover = el('button', { textContent: L('Cover') });
      cover.addEventListener('click', async () => { await api(`/api/albums/${id}`, 'POST', { cover: it.id }); });
      const rm = el('button', { className: 'album-remove', textContent: L('Remove') });
      rm.addEventListener('click', async () => { await api(`/api/albums/${id}/remove`, 'POST', { items: [it.id] }); showAlbum(id); });
      cell.append(thumb(it.id), cover, rm);
      if (allowEdit) {
        const tr = el('button', { className: 'item-trash', textContent: L('Trash') });
        tr.addEventListener('click', async () => { await api(`/api/items/${it.id}/trash`, 'POST', {}); showAlbum(id); });
        cell.append(tr);
      }
      grid.append(cell);
    });
    body.append(grid);
  }

  async function showTrash() {
    body.textContent = '';
    const back = el('button', { id: 'trash-back', textContent: L('‹ Albums') });
    back.addEventListener('click', goAlbums);
    body.append(back, el('h2', { textContent: `${L('Trash')} · ${library()}` }));
    const sel = selection();
    if (allowEdit && sel.length) {
      const b = el('button', { id: 'trash-selected', textContent: L('Move {n} selected to the trash', sel.length) });
      b.addEventListener('click', async () => {
        for (const id of sel) await api(`/api/items/${id}/trash`, 'POST', {});
        showTrash();
      });
      body.append(b);
    }
    body.append(el('p', { textContent: 'Files in the trash are kept until someone empties it with `albumen trash empty`; restoring puts every file back where it was.' }));
    const r = await api(`/api/trash?library=${encodeURIComponent(library())}`);
    const ul = el('ul', { id: 'trash-list' });
    ((r.body && r.body.items) || []).forEach((t) => {
      const li = el('li', { className: 'trashed' });
      li.dataset.id = t.id;
      const msg = el('span', { className: 'error' });
      const rs = el('button', { className: 'trash-restore', textContent: L('Restore'), disabled: !allowEdit });
      rs.addEventListener('click', async () => {
        const x = await api(`/api/trash/${t.id}/restore`, 'POST', {});
        if (x.status === 200) showTrash(); else msg.textContent = ` ${(x.body && (x.body.message || x.body.error)) || x.status}`;
      });
      li.append(`${t.files.join(', ')} — trashed ${when(t.trashed_at)} `, rs, msg);
      ul.append(li);
    });
    body.append(ul);
  }

  function mount() {
    if (page) {
      // The page's albums tab; `route` is the page's parsed address ({view, args, params}).
      page.registerView('albums', {
        async render(root, route) {
          body = root;
          // The page has logged in before it renders a view: its user says whether edits are allowed.
          // eslint-disable-next-line no-undef
          allowEdit = !!(typeof S !== 'undefined' && S.me && S.me.allow_edit);
          if (route && route.view === 'album' && /^\d+$/.test(route.args[0] || '')) showAlbum(Number(route.args[0]));
          else if (route && route.args && route.args[0] === 'trash') showTrash();
          else listAlbums();
        },
      });
      return;
    }
    const host = document.querySelector('header') || document.body;
    const a = el('button', { id: 'open-albums', textContent: 'Albums' });
    a.addEventListener('click', () => open(listAlbums));
    const t = el('button', { id: 'open-trash', textContent: 'Trash' });
    t.addEventListener('click', () => open(showTrash));
    host.append(a, t);
    document.body.append(panel);
    api('/api/me').then((m) => { allowEdit = !!(m.body && m.body.allow_edit); });
  }
  window.albumenAlbums = page
    ? { open: goAlbums, trash: goTrash, album: goAlbum }
    : { open: () => open(listAlbums), trash: () => open(showTrash), album: (id) => open(() => showAlbum(id)) };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount); else mount();
})();
