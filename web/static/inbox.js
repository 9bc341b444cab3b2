// volmatch: live notifications for the volunteer's pages, over Server-Sent
// Events (/web/inbox/stream). It keeps the unread count in the navigation,
// adds new notifications to the inbox list, and reloads the invitations
// list when an invitation arrives. The pages work without it (reload).
(function () {
  'use strict';
  if (!window.EventSource || !document.querySelector('[data-unread]')) { return; }

  function setUnread(n) {
    document.querySelectorAll('[data-unread]').forEach(function (b) {
      b.hidden = n <= 0;
      var shown = b.querySelector('[aria-hidden]'), spoken = b.querySelector('.sr');
      if (shown) { shown.textContent = String(n); }
      if (spoken) { spoken.textContent = (b.getAttribute('data-format') || '%d').replace('%d', n); }
    });
    var count = document.getElementById('inbox-count');
    if (count) { count.textContent = (count.getAttribute('data-format') || '%d').replace('%d', n); }
  }

  // The invitations page: fetch it again and swap its main content.
  function refreshInvitations() {
    fetch(location.pathname, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('main'), main = document.getElementById('main');
        if (fresh && main) { main.innerHTML = fresh.innerHTML; }
      })
      .catch(function () {});
  }

  var src = new EventSource('/web/inbox/stream');
  src.addEventListener('unread', function (ev) { setUnread(JSON.parse(ev.data).unread); });
  src.addEventListener('note', function (ev) {
    var d = JSON.parse(ev.data);
    setUnread(d.unread);
    var list = document.getElementById('inbox-list');
    if (list && d.html && !document.getElementById('note-' + d.id)) {
      var t = document.createElement('template');
      t.innerHTML = d.html;
      var li = t.content.firstElementChild;
      if (li) { li.classList.add('arrived'); list.insertBefore(li, list.firstChild); }
      var empty = document.getElementById('inbox-empty');
      if (empty) { empty.hidden = true; }
    }
    if (location.pathname === '/web/invitations' && ['invite', 'changed', 'cancelled'].indexOf(d.kind) >= 0) {
      refreshInvitations();
    }
  });
  src.addEventListener('ended', function () { src.close(); });
  window.addEventListener('pagehide', function () { src.close(); });
})();
