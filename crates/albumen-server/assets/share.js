// The page a share link opens: the album's photos, nothing else. Everything it shows comes
// from /api/shared/TOKEN/...; originals are served without location or serial numbers.
'use strict';
(function () {
  const token = location.pathname.split('/').filter(Boolean).pop() || '';
  const base = `/api/shared/${encodeURIComponent(token)}`;
  const $ = (id) => document.getElementById(id);
  let items = [];
  let pos = -1;
  function show(i) {
    if (i < 0 || i >= items.length) return;
    pos = i;
    const it = items[i];
    const stage = $('stage');
    stage.textContent = '';
    if (it.video) {
      const v = document.createElement('video');
      v.src = `${base}/items/${it.id}/video`;
      v.poster = `${base}/items/${it.id}/preview`;
      v.controls = true; v.playsInline = true;
      stage.append(v);
    } else {
      const img = document.createElement('img');
      img.src = `${base}/items/${it.id}/preview`;
      img.alt = it.t || '';
      stage.append(img);
    }
    $('download').href = `${base}/items/${it.id}/original`;
    // The other files of a stack (a RAW+JPEG twin's raw, the original of an edit, a burst's
    // other frames): each its own download, served without location like the item.
    const members = $('members');
    members.textContent = '';
    (it.members || []).forEach((m, k) => {
      const a = document.createElement('a');
      a.href = `${base}/items/${m.id}/original`;
      a.download = '';
      a.textContent = m.kind === 'raw' ? 'RAW' : `${k + 2}`;
      a.title = 'Download this version';
      members.append(a);
    });
    $('viewer').classList.remove('hidden');
  }
  $('close').addEventListener('click', () => $('viewer').classList.add('hidden'));
  $('prev').addEventListener('click', () => show(pos - 1));
  $('next').addEventListener('click', () => show(pos + 1));
  document.addEventListener('keydown', (e) => {
    if ($('viewer').classList.contains('hidden')) return;
    if (e.key === 'Escape') $('viewer').classList.add('hidden');
    if (e.key === 'ArrowLeft') show(pos - 1);
    if (e.key === 'ArrowRight') show(pos + 1);
  });
  fetch(`${base}/items`, { credentials: 'omit' }).then(async (r) => {
    if (r.status !== 200) { $('title').textContent = 'This link does not work (any more).'; return; }
    const b = await r.json();
    items = b.items || [];
    $('title').textContent = b.album;
    const until = new Date(b.expires_at * 1000).toLocaleDateString();
    $('note').textContent = `${items.length} photos · shared without location · link works until ${until}`;
    const grid = $('grid');
    items.forEach((it, i) => {
      const btn = document.createElement('button');
      const img = document.createElement('img');
      img.loading = 'lazy';
      img.src = `${base}/items/${it.id}/thumb`;
      img.alt = it.t || '';
      btn.append(img);
      btn.addEventListener('click', () => show(i));
      grid.append(btn);
    });
  });
})();
