/* clinic-chat widget: answers visitors' questions from the clinic's own articles.
   Embed: <script src=".../static/widget.js" data-api="https://chat.example" data-title="Ask the clinic"
           data-accent="#7a5cff" data-position="left" data-theme="auto" data-logo="/logo.svg"
           data-strings="/chat-strings.json" data-greeting="Hello!" defer></script>
   Every text the widget shows (STRINGS below) can be set by a data attribute of the same name,
   underscores as dashes (data-callback-send), or in the strings JSON; an attribute wins.
   Everything lives in a shadow root; server, clinic and visitor text is only ever set via textContent. */
(function () {
  'use strict';
  if (typeof document === 'undefined' || document.getElementById('clinic-chat-host')) return;

  // --- configuration from our own <script> tag (currentScript only exists during this first run)
  var script = document.currentScript || (function () {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/widget\.js([?#].*)?$/.test(all[i].src || '')) return all[i];
    }
    return null;
  })();
  function attr(name) { return (script && script.getAttribute('data-' + name) || '').trim(); }

  var API = (function () {
    var fallback = location.origin;
    try { if (script && script.src) fallback = new URL(script.src, location.href).origin; } catch (e) { /* keep page origin */ }
    try {
      var u = new URL(attr('api') || fallback, location.href);
      if (/^https?:$/.test(u.protocol)) return u.href.replace(/\/+$/, '');
    } catch (e) { /* invalid data-api */ }
    return fallback;
  })();
  // A URL the page gives us (the logo, the strings file): http(s) only; relative to the page.
  function pageUrl(url) {
    if (!url) return null;
    try {
      var u = new URL(url, location.href);
      return /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }
  var SIDE = attr('position').toLowerCase() === 'left' ? 'left' : 'right';
  var THEME = /^(light|dark)$/.test(attr('theme').toLowerCase()) ? attr('theme').toLowerCase() : 'auto';
  var LOGO = pageUrl(attr('logo'));

  // --- the clinic's voice: every text the widget shows, English by default. `{clinic}` and
  // `{days}` are filled in; the consent line's `{privacy}` is the link to the privacy notice.
  var STRINGS = {
    title: 'Ask the clinic',
    subtitle: "Answers from our clinic's articles",
    greeting: '', // empty: the service's own greeting
    placeholder: 'Type your question…',
    send: 'Send message',
    open: 'Open chat',
    close: 'Close chat',
    privacy: '', // empty: "Answers come from {clinic}'s articles. Your questions are kept for {days} days."
    privacy_link: 'Privacy notice',
    privacy_footer: 'Privacy',
    erase: 'Erase this conversation',
    book: 'Book a consultation',
    call: 'Call',
    email: 'Email',
    helpful: 'Was this helpful?',
    callback_name: 'Your name',
    callback_phone: 'Phone',
    callback_email: 'Email',
    callback_email_hint: 'a phone number or an email, at least one',
    callback_time: 'Best time to call',
    callback_message: 'What it is about',
    callback_optional: 'optional',
    callback_consent: 'I agree that the clinic keeps these details to call me back, as its {privacy} says.',
    callback_privacy_link: 'privacy notice',
    callback_send: 'Request a call back'
  };
  var MAX_STRING = 500, S = {}, fromTag = {};
  Object.keys(STRINGS).forEach(function (k) {
    var v = attr(k.replace(/_/g, '-'));
    S[k] = v ? v.slice(0, MAX_STRING) : STRINGS[k];
    fromTag[k] = !!v;
  });
  S.title = S.title.slice(0, 80);
  // The strings file fills in what the tag does not say; anything but a string is ignored.
  function takeStrings(d) {
    if (!d || typeof d !== 'object' || Array.isArray(d)) return;
    Object.keys(STRINGS).forEach(function (k) {
      var v = typeof d[k] === 'string' ? d[k].trim() : '';
      if (v && !fromTag[k]) S[k] = v.slice(0, k === 'title' ? 80 : MAX_STRING);
    });
  }

  var K_CONV = 'clinic-chat:conversation', K_LOG = 'clinic-chat:log', K_OPEN = 'clinic-chat:open';
  var K_PRIVACY = 'clinic-chat:privacy';
  var MAX_LOG = 30, TIMEOUT = 15000;
  var KINDS = ['answer', 'fallback', 'urgent', 'smalltalk', 'error'];
  var MSG_NET = "Sorry, I couldn't reach the clinic's assistant. Please check your connection and try again.";
  var MSG_GENERIC = 'Sorry, something went wrong on our side. Please try again in a moment.';

  // --- colours: keep text readable (WCAG contrast >= 4.5) whatever accent the site picks
  function parseHex(c) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c || '');
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }
  function luminance(rgb) {
    var w = [0.2126, 0.7152, 0.0722];
    return rgb.reduce(function (sum, v, i) {
      v /= 255;
      return sum + w[i] * (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    }, 0);
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function darker(rgb) { return rgb.map(function (v) { return Math.floor(v * 0.93); }); }
  function lighter(rgb) { return rgb.map(function (v) { return Math.ceil(v + (255 - v) * 0.08); }); }
  function css(rgb) { return 'rgb(' + rgb.join(',') + ')'; }

  var WHITE = [255, 255, 255], INK = [31, 36, 48], GREY = [241, 243, 246];
  var accent = parseHex(attr('accent')) || [15, 118, 110];
  var onAccent = '#fff';
  if (contrast(accent, WHITE) < 4.5) {
    // Too light for white text: use dark text, or, for mid tones where neither works, deepen the accent.
    if (contrast(accent, INK) >= 4.5) onAccent = '#1f2430';
    else while (contrast(accent, WHITE) < 4.5) accent = darker(accent);
  }
  // A shade of the accent that reads well as text on white/grey (links, chips, focus rings).
  var deep = accent.slice();
  while (contrast(deep, GREY) < 4.5) deep = darker(deep);
  // And one that reads well on the dark theme's grey, for the same uses there.
  var DARK_GREY = [43, 48, 58], bright = accent.slice();
  for (var n = 0; n < 60 && contrast(bright, DARK_GREY) < 4.5; n++) bright = lighter(bright);
  var A = css(accent), TINT = 'rgba(' + accent.join(',') + ',.1)';

  // Light and dark themes as custom properties: dark follows the visitor's system setting
  // unless the tag forces one (data-theme="light" or "dark").
  var LIGHT = '--cc-scheme:light;--cc-bg:#fff;--cc-ink:#1f2430;--cc-muted:#4b5263;--cc-source:#3b4252;' +
    '--cc-bubble:#f1f3f6;--cc-line:#e3e6eb;--cc-field:#767c88;--cc-placeholder:#6b7280;--cc-soft-line:#d3d7de;' +
    '--cc-dots:#5f6675;--cc-urgent-bg:#fff1ee;--cc-urgent-line:#c0392b;--cc-alert:#b42318;--cc-error-bg:#fff8e6;' +
    '--cc-link:' + css(deep);
  var DARK = '--cc-scheme:dark;--cc-bg:#1c1f26;--cc-ink:#e6e8ee;--cc-muted:#b3b9c5;--cc-source:#d0d5de;' +
    '--cc-bubble:' + css(DARK_GREY) + ';--cc-line:#3a404c;--cc-field:#8c93a1;--cc-placeholder:#9ca3af;--cc-soft-line:#4a5160;' +
    '--cc-dots:#aab1bd;--cc-urgent-bg:#3b1f1c;--cc-urgent-line:#e5675a;--cc-alert:#ff9b8f;--cc-error-bg:#3a3120;' +
    '--cc-link:' + css(bright);
  var THEME_CSS = ':host{' + LIGHT + '}\n' +
    '@media (prefers-color-scheme:dark){:host(:not([data-theme=light])){' + DARK + '}}\n' +
    ':host([data-theme=dark]){' + DARK + '}';

  var CSS = [
    ':host{all:initial;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--cc-ink)}',
    THEME_CSS,
    '*{box-sizing:border-box}',
    '[hidden]{display:none!important}',
    'button,input,textarea{font:inherit;color:inherit;margin:0}',
    'button{cursor:pointer}',
    'svg{display:block;flex:none}',
    ':focus-visible{outline:3px solid var(--cc-link);outline-offset:2px}',
    '.cc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
    // launcher
    '.cc-launcher{position:fixed;' + SIDE + ':20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;',
    'background:' + A + ';color:' + onAccent + ';display:flex;align-items:center;justify-content:center;',
    'box-shadow:0 6px 20px rgba(0,0,0,.25);transition:transform .15s ease}',
    '.cc-launcher:hover{transform:scale(1.06)}',
    '.cc-launcher:focus-visible{outline-offset:3px}',
    '.cc-launcher[aria-expanded=true] .cc-i-chat,.cc-launcher[aria-expanded=false] .cc-i-down{display:none}',
    // panel
    '.cc-panel{position:fixed;' + SIDE + ':20px;bottom:92px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);',
    'height:600px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:var(--cc-bg);color-scheme:var(--cc-scheme);',
    'border-radius:16px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.22);animation:cc-in .2s ease-out}',
    '@keyframes cc-in{from{opacity:0;transform:translateY(12px)}}',
    '.cc-head{display:flex;align-items:center;gap:8px;padding:12px 10px 12px 18px;background:' + A + ';color:' + onAccent + '}',
    '.cc-title{flex:1;min-width:0;margin:0;font-size:16px;font-weight:600;line-height:1.3}',
    '.cc-sub{display:block;font-size:13px;font-weight:400}',
    '.cc-logo{width:36px;height:36px;flex:none;object-fit:contain;border-radius:8px;background:#fff;padding:3px}',
    '.cc-close{width:38px;height:38px;border:0;border-radius:50%;background:transparent;display:flex;align-items:center;justify-content:center}',
    '.cc-close:hover{background:rgba(0,0,0,.14)}',
    '.cc-head :focus-visible{outline-color:currentColor;outline-offset:0}',
    '.cc-log{position:relative;flex:1;overflow-y:auto;overscroll-behavior:contain;padding:16px;display:flex;flex-direction:column;gap:14px}',
    '.cc-log:focus-visible{outline-offset:-3px}',
    // messages
    '.cc-msg{display:flex;flex-direction:column;align-items:flex-start;gap:6px;max-width:90%}',
    '.cc-user{align-self:flex-end;align-items:flex-end}',
    '.cc-bubble{padding:10px 14px;border-radius:16px;overflow-wrap:anywhere}',
    '.cc-answer,.cc-text{white-space:pre-line}',
    '.cc-bot .cc-bubble{background:var(--cc-bubble);border-bottom-left-radius:4px}',
    '.cc-user .cc-bubble{background:' + A + ';color:' + onAccent + ';border-bottom-right-radius:4px}',
    '.cc-kind-urgent .cc-bubble{background:var(--cc-urgent-bg);border:2px solid var(--cc-urgent-line)}',
    '.cc-urgent{display:flex;gap:10px;align-items:flex-start;color:var(--cc-ink)}',
    '.cc-urgent svg{color:var(--cc-alert);margin-top:1px}',
    '.cc-kind-error .cc-bubble{background:var(--cc-error-bg);border:1px solid #d9a93a}',
    '.cc-sources{margin-top:8px;display:flex;flex-direction:column;gap:3px;font-size:13px;color:var(--cc-muted)}',
    '.cc-sources a{color:var(--cc-source);text-decoration:underline;text-underline-offset:2px}',
    '.cc-sources a:hover{color:var(--cc-link)}',
    '.cc-contact{margin-top:10px;display:flex;flex-wrap:wrap;gap:8px}',
    '.cc-contact a,.cc-contact span,.cc-chip,.cc-retry{display:inline-block;border:1px solid var(--cc-link);border-radius:999px;',
    'padding:6px 12px;background:var(--cc-bg);color:var(--cc-link);font-size:14px;line-height:1.3;text-decoration:none;text-align:left}',
    '.cc-contact a:hover,.cc-chip:hover,.cc-retry:hover{background:' + TINT + '}',
    '.cc-contact .cc-call{background:#b42318;border-color:#b42318;color:#fff;font-weight:600;font-size:16px;padding:9px 16px}',
    '.cc-contact .cc-call:hover{background:#912018}',
    '.cc-retry{margin-top:10px}',
    '.cc-answer a{color:var(--cc-link);text-underline-offset:2px}',
    '.cc-tel{white-space:nowrap}',
    '.cc-book{display:inline-block;margin-top:10px;border-radius:999px;padding:8px 16px;background:' + A + ';color:' + onAccent + ';',
    'font-weight:600;text-decoration:none}',
    '.cc-book:hover{filter:brightness(.93)}',
    '.cc-chips{display:flex;flex-wrap:wrap;gap:6px}',
    '.cc-chip{border-radius:18px}', // long suggestions wrap: a pill's round ends would crowd their first and last lines
    '.cc-feedback{display:flex;align-items:center;gap:6px;font-size:13px;color:var(--cc-muted)}',
    '.cc-feedback button{width:30px;height:30px;border:1px solid var(--cc-soft-line);border-radius:8px;background:var(--cc-bg);color:var(--cc-muted);',
    'display:flex;align-items:center;justify-content:center}',
    '.cc-feedback button:hover{color:var(--cc-link);border-color:var(--cc-link)}',
    '.cc-down svg{transform:rotate(180deg)}',
    // typing indicator
    '.cc-typing{align-self:flex-start;display:flex;gap:5px;padding:13px 16px;background:var(--cc-bubble);border-radius:16px;border-bottom-left-radius:4px}',
    '.cc-typing span{width:7px;height:7px;border-radius:50%;background:var(--cc-dots);opacity:.6;animation:cc-dot 1.1s infinite ease-in-out}',
    '.cc-typing span:nth-child(2){animation-delay:.15s}.cc-typing span:nth-child(3){animation-delay:.3s}',
    '@keyframes cc-dot{0%,60%,100%{opacity:.35;transform:none}30%{opacity:1;transform:translateY(-4px)}}',
    // form
    '.cc-form{display:flex;gap:8px;padding:10px 12px calc(10px + env(safe-area-inset-bottom,0px));border-top:1px solid var(--cc-line);background:var(--cc-bg)}',
    '.cc-input{flex:1;min-width:0;border:1px solid var(--cc-field);border-radius:999px;padding:10px 16px;background:var(--cc-bg);color:var(--cc-ink)}',
    '.cc-input::placeholder{color:var(--cc-placeholder);opacity:1}',
    '.cc-input:focus-visible{outline-offset:1px}',
    '.cc-send{width:44px;height:44px;border:0;border-radius:50%;background:' + A + ';color:' + onAccent + ';',
    'display:flex;align-items:center;justify-content:center}',
    '.cc-send[aria-disabled=true]{opacity:.55;cursor:default}',
    // privacy line, call-back form, erase control
    '.cc-note{font-size:13px;color:var(--cc-muted);text-align:center;padding:0 8px}',
    '.cc-note a,.cc-foot a,.cc-cb a{color:var(--cc-link)}',
    '.cc-cb{margin-top:10px;display:flex;flex-direction:column;gap:8px;font-size:14px}',
    '.cc-cb label{display:flex;flex-direction:column;gap:3px;font-weight:600}',
    '.cc-cb label span{font-weight:400;color:var(--cc-muted)}',
    '.cc-cb input[type=text],.cc-cb input[type=tel],.cc-cb input[type=email],.cc-cb textarea{border:1px solid var(--cc-field);border-radius:8px;padding:7px 10px;background:var(--cc-bg);color:var(--cc-ink);font:inherit;font-weight:400;width:100%}',
    '.cc-cb textarea{resize:vertical;min-height:54px}',
    '.cc-cb [aria-invalid=true]{border-color:var(--cc-alert);outline-color:var(--cc-alert)}',
    '.cc-cb .cc-consent{flex-direction:row;align-items:flex-start;gap:8px;font-weight:400}',
    '.cc-cb .cc-consent input{margin-top:3px;width:18px;height:18px;flex:none}',
    '.cc-cb-err{color:var(--cc-alert);font-weight:600}',
    '.cc-cb-send{align-self:flex-start;border:0;border-radius:999px;padding:8px 18px;background:' + A + ';color:' + onAccent + ';font-weight:600}',
    '.cc-cb-done{margin-top:10px;font-weight:600}',
    '.cc-foot{display:flex;justify-content:space-between;gap:8px;padding:6px 14px 0;font-size:12px;color:var(--cc-muted);background:var(--cc-bg);border-top:1px solid var(--cc-line)}',
    '.cc-foot button{border:0;background:none;padding:0;color:var(--cc-link);text-decoration:underline;font-size:12px}',
    '.cc-foot .cc-confirm{display:flex;gap:10px;align-items:center}',
    '.cc-form{border-top:0!important}',
    // Phones: the whole viewport (insets, not 100vw/100vh, which would slip under a page scrollbar).
    '@media (max-width:480px){.cc-panel{top:0;right:0;bottom:0;left:0;width:auto;max-width:none;height:auto;',
    'max-height:none;border-radius:0}.cc-input{font-size:16px}}',
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}'
  ].join('\n');

  // --- small DOM helpers (text only; never HTML)
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function button(cls, label, child) {
    var b = el('button', cls);
    b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    if (child) b.appendChild(child);
    return b;
  }
  var NS = 'http://www.w3.org/2000/svg';
  function icon(paths, size, cls) {
    var s = document.createElementNS(NS, 'svg');
    var at = { viewBox: '0 0 24 24', width: size, height: size, fill: 'none', stroke: 'currentColor',
      'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' };
    for (var k in at) s.setAttribute(k, at[k]);
    if (cls) s.setAttribute('class', cls);
    paths.forEach(function (d) {
      var p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      s.appendChild(p);
    });
    return s;
  }
  var I_CHAT = ['M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z', 'M8 10h.01M12 10h.01M16 10h.01'];
  var I_DOWN = ['M6 9l6 6 6-6'];
  var I_CLOSE = ['M6 6l12 12M18 6L6 18'];
  var I_SEND = ['M5 12h14', 'M13 6l6 6-6 6'];
  var I_WARN = ['M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z', 'M12 9v4', 'M12 17h.01'];
  var I_THUMB = ['M7 10v11H3V10h4z', 'M7 10l4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7'];

  function str(x) { return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : ''; }
  function arr(x) { return Array.isArray(x) ? x : []; }

  // Only http(s), mailto and tel links; relative urls resolve against the API (root-relative: its origin).
  function safeHref(url) {
    url = str(url).trim();
    if (!url) return null;
    try {
      var u = new URL(url, API + '/');
      return /^(https?|mailto|tel):$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }

  // --- sessionStorage (may throw in private modes or with storage disabled)
  function load(k) { try { return window.sessionStorage.getItem(k); } catch (e) { return null; } }
  function store(k, v) { try { window.sessionStorage.setItem(k, v); } catch (e) { /* ignore */ } }
  function forget(k) { try { window.sessionStorage.removeItem(k); } catch (e) { /* ignore */ } }

  // --- network
  function request(path, body, method) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctl && setTimeout(function () { ctl.abort(); }, TIMEOUT);
    var opts = { method: method || (body ? 'POST' : 'GET'), mode: 'cors', credentials: 'omit',
      headers: { Accept: 'application/json' }, signal: ctl ? ctl.signal : undefined };
    if (body) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    var p = fetch(API + path, opts);
    p.then(function () { clearTimeout(timer); }, function () { clearTimeout(timer); });
    return p;
  }
  function readJson(res) { return res.json().catch(function () { return null; }); }

  // --- build the widget
  var host = el('div');
  host.id = 'clinic-chat-host';
  var root = host.attachShadow({ mode: 'open' });
  var style = el('style');
  style.textContent = CSS;
  root.appendChild(style);
  if (THEME !== 'auto') host.setAttribute('data-theme', THEME);

  var launcher = button('cc-launcher', '', icon(I_CHAT, 28, 'cc-i-chat'));
  launcher.appendChild(icon(I_DOWN, 28, 'cc-i-down'));
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'cc-panel');

  var panel = el('div', 'cc-panel');
  panel.id = 'cc-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');

  var head = el('div', 'cc-head');
  var titleText = el('span', 'cc-title-text'), sub = el('span', 'cc-sub');
  var h = el('h2', 'cc-title');
  h.appendChild(titleText);
  h.appendChild(sub);
  var closeBtn = button('cc-close', '', icon(I_CLOSE, 22));
  if (LOGO) {
    // The clinic's logo beside its name, which the title already says: decorative, no alt text.
    var logo = el('img', 'cc-logo');
    logo.alt = '';
    logo.referrerPolicy = 'no-referrer';
    logo.addEventListener('error', function () { logo.remove(); });
    logo.src = LOGO;
    head.appendChild(logo);
  }
  head.appendChild(h);
  head.appendChild(closeBtn);

  var logEl = el('div', 'cc-log');
  logEl.setAttribute('role', 'log');
  logEl.setAttribute('aria-live', 'polite');
  logEl.setAttribute('aria-label', 'Conversation');
  logEl.tabIndex = -1;

  var form = el('form', 'cc-form');
  var input = el('input', 'cc-input');
  input.type = 'text';
  input.maxLength = 1000;
  input.autocomplete = 'off';
  input.setAttribute('aria-label', 'Your question');
  input.setAttribute('enterkeyhint', 'send');
  var sendBtn = el('button', 'cc-send');
  sendBtn.type = 'submit';
  sendBtn.appendChild(icon(I_SEND, 22));
  form.appendChild(input);
  form.appendChild(sendBtn);

  var foot = el('div', 'cc-foot');
  var privacyLink = el('a');
  privacyLink.target = '_blank';
  privacyLink.rel = 'noopener';
  var eraseBtn = button('cc-erase', '');
  foot.appendChild(privacyLink);
  foot.appendChild(eraseBtn);

  panel.appendChild(head);
  panel.appendChild(logEl);
  panel.appendChild(foot);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  // The fixed texts, set once the clinic's strings are in.
  function label() {
    launcher.setAttribute('aria-label', S.open + ': ' + S.title);
    panel.setAttribute('aria-label', S.title);
    titleText.textContent = S.title;
    sub.textContent = S.subtitle;
    sub.hidden = !S.subtitle;
    closeBtn.setAttribute('aria-label', S.close);
    input.placeholder = S.placeholder;
    sendBtn.setAttribute('aria-label', S.send);
    privacyLink.textContent = S.privacy_footer;
    eraseBtn.textContent = S.erase;
  }

  // --- state
  var transcript = []; // plain data of the visible transcript (no HTML)
  var clinic = null; // contact details from /api/welcome
  var pending = false, welcomed = false, lastQuestion = '';
  var greeting = null; // the typing indicator while the greeting loads; a question does not wait for it
  var privacy = {}; // {url, days} from /api/welcome: the privacy line and the call-back form's consent link
  try { privacy = JSON.parse(load(K_PRIVACY) || '{}') || {}; } catch (e) { privacy = {}; }
  function privacyUrl() { return safeHref(privacy.url) || safeHref('/privacy'); }
  privacyLink.href = privacyUrl();

  function saveLog() {
    transcript = transcript.slice(-MAX_LOG);
    store(K_LOG, JSON.stringify(transcript));
  }
  function setPending(on) {
    pending = on;
    sendBtn.setAttribute('aria-disabled', on ? 'true' : 'false');
    logEl.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // --- rendering
  function scrollToEnd() { logEl.scrollTop = logEl.scrollHeight; }
  function reveal(node) {
    // A reply is read from its start, with the question it answers above it when there is room;
    // suggestions below may need a scroll.
    var q = node.previousElementSibling, top = node.offsetTop - 12;
    if (q && /cc-user/.test(q.className) && top - q.offsetTop < logEl.clientHeight / 3) top = q.offsetTop - 12;
    logEl.scrollTop = Math.min(top, logEl.scrollHeight - logEl.clientHeight);
  }
  // Move focus somewhere sensible when the focused element is about to disappear.
  function refocus() {
    if (window.matchMedia && window.matchMedia('(pointer: coarse)').matches) logEl.focus();
    else input.focus();
  }

  function link(href, text, cls, newTab) {
    if (!href) return el('span', cls, text);
    var a = el('a', cls, text);
    a.href = href;
    if (newTab) { a.target = '_blank'; a.rel = 'noopener'; }
    return a;
  }

  // A tel: link for a phone number, or null when it has no digits.
  function callLink(phone, text, cls) {
    var digits = str(phone).trim().replace(/[^\d+]/g, '');
    return /\d/.test(digits) ? link(safeHref('tel:' + digits), text, cls) : null;
  }

  // Phone numbers in a reply's text (the clinic's, in a fallback or an urgent reply) become
  // tel: links: an international or a national number of 9 to 15 digits, never "999" or "6-8".
  var PHONE_NUMBER = /(?:\+|\b0)\d[\d ()-]{6,}\d/g;
  function withCallLinks(node, text) {
    var at = 0, found;
    PHONE_NUMBER.lastIndex = 0;
    while ((found = PHONE_NUMBER.exec(text))) {
      var digits = found[0].replace(/\D/g, '').length;
      if (digits < 9 || digits > 15) continue;
      node.appendChild(document.createTextNode(text.slice(at, found.index)));
      node.appendChild(callLink(found[0], found[0], 'cc-tel'));
      at = found.index + found[0].length;
    }
    node.appendChild(document.createTextNode(text.slice(at)));
  }

  // A web page of the service or the clinic (the booking page): http(s) only.
  function webHref(url) {
    var href = safeHref(url);
    return href && /^https?:/.test(href) ? href : null;
  }

  // Urgent replies: only the calls to make, the emergency number first when it is an emergency.
  // No email and no booking link: they are not what a person with a warning sign needs.
  function urgentBox(c, m) {
    var box = el('div', 'cc-contact');
    var emergency = m.emergency_phone ? callLink(m.emergency_phone, S.call + ' ' + str(m.emergency_phone).trim(), m.severity === 'emergency' ? 'cc-call' : '') : null;
    var clinicCall = c ? callLink(c.phone, S.call + ' ' + (str(c.name).trim() || 'the clinic') + ' ' + str(c.phone).trim(), m.severity === 'emergency' ? '' : 'cc-call') : null;
    var order = m.severity === 'emergency' ? [emergency, clinicCall] : [clinicCall, emergency];
    order.forEach(function (a) { if (a) box.appendChild(a); });
    return box.childNodes.length ? box : null;
  }

  function contactBox(c, urgent) {
    var box = el('div', 'cc-contact');
    var phone = str(c.phone).trim(), email = str(c.email).trim(), booking = safeHref(c.booking_url);
    var call = callLink(phone, S.call + ' ' + phone, urgent ? 'cc-call' : '');
    if (call) box.appendChild(call);
    if (/^[^\s@]+@[^\s@]+$/.test(email)) box.appendChild(link(safeHref('mailto:' + email), S.email + ' ' + email));
    if (booking) box.appendChild(link(booking, S.book, '', true));
    return box.childNodes.length ? box : null;
  }

  function chipsBox(list) {
    var box = el('div', 'cc-chips');
    list.forEach(function (q) {
      q = str(q).trim();
      if (!q) return;
      var chip = button('cc-chip', '');
      chip.textContent = q;
      chip.addEventListener('click', function () { if (ask(q)) refocus(); });
      box.appendChild(chip);
    });
    return box.childNodes.length ? box : null;
  }

  function feedbackBox(m) {
    var box = el('div', 'cc-feedback');
    box.appendChild(el('span', '', S.helpful));
    [[true, 'Helpful', 'cc-up'], [false, 'Not helpful', 'cc-down']].forEach(function (f) {
      var b = button(f[2], f[1], icon(I_THUMB, 16));
      b.addEventListener('click', function () {
        var hadFocus = box.contains(root.activeElement);
        box.textContent = '';
        var thanks = el('span', '', 'Thanks for your feedback.');
        thanks.tabIndex = -1;
        box.appendChild(thanks);
        if (hadFocus) thanks.focus();
        m.fb = true;
        saveLog();
        request('/api/feedback', { answer_id: m.answer_id, helpful: f[0] }).catch(function () { /* quiet */ });
      });
      box.appendChild(b);
    });
    return box;
  }

  // The privacy line (and other notes from the widget itself, not the assistant).
  function note(m) {
    var p = el('p', 'cc-note', str(m.text));
    if (m.link) {
      p.appendChild(document.createTextNode(' '));
      p.appendChild(link(privacyUrl(), S.privacy_link, '', true));
    }
    return p;
  }

  function callbackDone(m) {
    var who = str(m.contact && m.contact.name).trim() || (clinic && str(clinic.name).trim()) || 'The clinic';
    var p = el('p', 'cc-cb-done', 'Thank you' + (m.cbName ? ', ' + m.cbName : '') + '. Your request is with us: ' + who + ' will call you back.');
    p.setAttribute('role', 'status');
    p.tabIndex = -1;
    return p;
  }

  // The call-back form under a reply that offers one; on success it gives way to a confirmation.
  function callbackForm(m) {
    var f = el('form', 'cc-cb'), busy = false;
    f.noValidate = true;
    f.setAttribute('aria-label', 'Ask to be called back');
    function field(name, label, type, hint, max, complete) {
      var l = el('label', '', label), i = el(type === 'textarea' ? 'textarea' : 'input');
      if (hint) l.appendChild(el('span', '', hint));
      if (type !== 'textarea') i.type = type;
      i.name = name;
      i.maxLength = max;
      i.autocomplete = complete || 'off';
      l.appendChild(i);
      f.appendChild(l);
      return i;
    }
    var fields = {
      name: field('name', S.callback_name, 'text', '', 100, 'name'),
      phone: field('phone', S.callback_phone, 'tel', '', 40, 'tel'),
      email: field('email', S.callback_email, 'email', S.callback_email_hint, 254, 'email'),
      preferred_time: field('preferred_time', S.callback_time, 'text', S.callback_optional, 100),
      message: field('message', S.callback_message, 'textarea', S.callback_optional, 1000)
    };
    var consentLabel = el('label', 'cc-consent'), consent = el('input');
    consent.type = 'checkbox';
    consent.name = 'consent';
    consent.className = 'cc-agree';
    fields.consent = consent;
    // The consent line, with the privacy notice's link where `{privacy}` stands (else after it).
    var words = el('span'), parts = S.callback_consent.split('{privacy}');
    words.appendChild(document.createTextNode(fill(parts[0]) + (parts.length > 1 ? '' : ' ')));
    words.appendChild(link(privacyUrl(), S.callback_privacy_link, '', true));
    words.appendChild(document.createTextNode(fill(parts.slice(1).join(''))));
    consentLabel.appendChild(consent);
    consentLabel.appendChild(words);
    f.appendChild(consentLabel);
    var err = el('p', 'cc-cb-err');
    err.hidden = true;
    err.setAttribute('role', 'alert');
    f.appendChild(err);
    var send = el('button', 'cc-cb-send', S.callback_send);
    send.type = 'submit';
    f.appendChild(send);
    function fail(name, text) {
      err.textContent = text;
      err.hidden = false;
      var i = fields[name];
      if (i) { i.setAttribute('aria-invalid', 'true'); i.focus(); }
    }
    function value(name) { return fields[name].value.trim(); }
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      Object.keys(fields).forEach(function (k) { fields[k].removeAttribute('aria-invalid'); });
      err.hidden = true;
      if (!value('name')) return fail('name', 'Please give your name.');
      if (!value('phone') && !value('email')) return fail('phone', 'Please give a phone number or an email, so the clinic can reach you.');
      if (!consent.checked) return fail('consent', 'Please tick the box to agree that the clinic keeps these details.');
      var body = { consent: true };
      ['name', 'phone', 'email', 'preferred_time', 'message'].forEach(function (k) { if (value(k)) body[k] = value(k); });
      var conv = load(K_CONV);
      if (conv) body.conversation_id = conv;
      busy = true;
      send.setAttribute('aria-disabled', 'true');
      var status = 0, res0 = null;
      request('/api/callback', body)
        .then(function (res) { status = res.status; res0 = res; return readJson(res); })
        .then(function (d) {
          busy = false;
          send.removeAttribute('aria-disabled');
          if (status === 201) {
            m.cbDone = true;
            m.cbName = body.name;
            saveLog();
            var done = callbackDone(m);
            f.replaceWith(done);
            done.focus();
            return;
          }
          if (status === 429) {
            var n = Math.ceil(retryAfter(res0, d) / 60);
            return fail('', 'You have sent several requests already. Please call us, or try again in ' + n + ' minute' + (n === 1 ? '' : 's') + '.');
          }
          fail(d && str(d.field), (d && str(d.error).trim()) || MSG_GENERIC);
        })
        .catch(function () {
          busy = false;
          send.removeAttribute('aria-disabled');
          fail('', MSG_NET);
        });
    });
    return f;
  }

  // One message (plain data) -> DOM.
  function render(m, withChips) {
    if (m.role === 'note') return note(m);
    var bot = m.role !== 'user';
    var kind = KINDS.indexOf(m.kind) >= 0 ? m.kind : 'answer';
    var wrap = el('div', 'cc-msg ' + (bot ? 'cc-bot cc-kind-' + kind : 'cc-user'));
    var bubble = el('div', 'cc-bubble');
    wrap.appendChild(bubble);
    bubble.appendChild(el('span', 'cc-sr', bot ? 'Assistant:' : 'You:'));
    if (!bot) {
      bubble.appendChild(el('div', 'cc-text', str(m.text)));
      return wrap;
    }
    var answer = el('div', 'cc-answer');
    if (kind === 'error') answer.textContent = str(m.text);
    else withCallLinks(answer, str(m.text) || "Sorry, I don't have an answer for that.");
    if (kind === 'urgent') {
      wrap.setAttribute('role', 'alert');
      var top = el('div', 'cc-urgent');
      top.appendChild(icon(I_WARN, 22));
      top.appendChild(answer);
      bubble.appendChild(top);
    } else {
      bubble.appendChild(answer);
    }
    if (kind !== 'urgent' && kind !== 'error') {
      var src = el('div', 'cc-sources'), seen = {};
      arr(m.sources).forEach(function (s) {
        var title = str(s && s.title).trim(), section = str(s && s.section).trim();
        if (!title && !section) return;
        var text = 'From: ' + (title && section ? title + ', ' + section : title || section);
        if (seen[text]) return;
        seen[text] = 1;
        src.appendChild(link(safeHref(s.url), text, '', true));
      });
      if (src.childNodes.length) bubble.appendChild(src);
    }
    // After an answer about a treatment: the way to book it.
    var booking = kind === 'answer' && webHref(m.booking);
    if (booking) bubble.appendChild(link(booking, S.book, 'cc-book', true));
    if (kind === 'fallback' || kind === 'urgent' || m.callback) {
      var c = m.contact && typeof m.contact === 'object' ? m.contact : clinic;
      var box = kind === 'urgent' ? urgentBox(c, m) : c && contactBox(c, false);
      if (box) bubble.appendChild(box);
    }
    if (m.callback && kind !== 'urgent') bubble.appendChild(m.cbDone ? callbackDone(m) : callbackForm(m));
    if (kind === 'error' && m.retry) {
      var retry = button('cc-retry', '');
      retry.textContent = 'Retry';
      retry.addEventListener('click', function () {
        if (pending) return;
        wrap.remove();
        var i = transcript.indexOf(m);
        if (i >= 0) { transcript.splice(i, 1); saveLog(); }
        refocus();
        ask(lastQuestion, true);
      });
      bubble.appendChild(retry);
    }
    if (m.answer_id != null && m.answer_id !== '' && !m.fb && (kind === 'answer' || kind === 'fallback')) {
      wrap.appendChild(feedbackBox(m));
    }
    var chips = withChips && kind !== 'urgent' && chipsBox(arr(m.suggestions));
    if (chips) wrap.appendChild(chips);
    return wrap;
  }

  function add(m, persist) {
    var node = render(m, true);
    logEl.appendChild(node);
    if (persist) { transcript.push(m); saveLog(); }
    if (m.role === 'user') scrollToEnd(); else reveal(node);
    return node;
  }
  function addError(text, retry) { add({ role: 'bot', kind: 'error', text: text, retry: retry }, true); }

  function showTyping() {
    var t = el('div', 'cc-typing');
    t.setAttribute('role', 'status');
    t.setAttribute('aria-label', 'Assistant is typing');
    for (var i = 0; i < 3; i++) t.appendChild(el('span'));
    logEl.appendChild(t);
    scrollToEnd();
    return t;
  }

  // Suggestions belong to the latest reply only; drop older ones once the visitor moves on.
  function clearChips() {
    Array.prototype.forEach.call(logEl.querySelectorAll('.cc-chips'), function (n) { n.remove(); });
  }

  // --- conversation
  // The privacy line: where answers come from, and how long questions are kept.
  function privacyText() {
    if (S.privacy) return fill(S.privacy);
    var name = clinic && str(clinic.name).trim();
    return 'Answers come from ' + (name ? name + "'s" : "the clinic's") + ' articles.' +
      (privacy.days > 0 ? ' Your questions are kept for ' + privacy.days + ' days.' : '');
  }
  // A clinic's text with the clinic's name and the days questions are kept filled in.
  function fill(text) {
    var name = (clinic && str(clinic.name).trim()) || 'the clinic';
    return str(text).replace(/\{clinic\}/g, name).replace(/\{days\}/g, privacy.days > 0 ? String(privacy.days) : '…');
  }

  function welcome() {
    welcomed = true;
    // The privacy line comes first, at once; the clinic's name and the days fill in when known.
    var line = { role: 'note', link: true, text: privacyText() };
    var lineNode = add(line, true);
    var typing = greeting = showTyping();
    request('/api/welcome')
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .catch(function () { return null; })
      .then(function (d) {
        typing.remove();
        d = d && typeof d === 'object' ? d : null;
        if (d && d.clinic && typeof d.clinic === 'object') clinic = d.clinic;
        var p = d && d.privacy && typeof d.privacy === 'object' ? d.privacy : null;
        if (p) {
          privacy = { url: str(p.privacy_url), days: parseInt(p.retention_days, 10) || 0 };
          store(K_PRIVACY, JSON.stringify(privacy));
          privacyLink.href = privacyUrl();
        }
        line.text = privacyText();
        var updated = note(line);
        lineNode.replaceWith(updated);
        lineNode = updated;
        saveLog();
        if (greeting !== typing) return; // the visitor asked before the greeting came: no greeting after the question
        greeting = null;
        var text = S.greeting ? fill(S.greeting) : d && str(d.greeting).trim();
        add({ role: 'bot', kind: 'smalltalk', text: text || 'Hi! How can I help you today?',
          suggestions: d ? arr(d.suggestions).map(str).slice(0, 6) : [] }, !!text);
      });
  }

  function retryAfter(res, data) {
    var v = res.headers.get('Retry-After'), n = parseInt(v, 10);
    if (isNaN(n) && v) n = Math.ceil((Date.parse(v) - Date.now()) / 1000);
    if (isNaN(n) && data) n = parseInt(data.retry_after, 10);
    return n > 0 ? n : 30;
  }

  // Send a question; returns false when it was not sent (empty, or a reply is still on its way).
  function ask(q, isRetry) {
    q = str(q).trim().slice(0, 1000);
    if (!q || pending) return false;
    if (greeting) { greeting.remove(); greeting = null; }
    lastQuestion = q;
    clearChips();
    if (!isRetry) add({ role: 'user', text: q }, true);
    setPending(true);
    var typing = showTyping();
    var body = { message: q };
    var conv = load(K_CONV);
    if (conv) body.conversation_id = conv;
    var status = 0, res0 = null;

    request('/api/chat', body)
      .then(function (res) {
        status = res.status;
        res0 = res;
        return readJson(res);
      })
      .then(function (d) {
        typing.remove();
        setPending(false);
        if (status === 429) {
          var n = retryAfter(res0, d);
          return addError("You're sending messages a little fast. Please wait " + n + ' second' + (n === 1 ? '' : 's') + ' and try again.', false);
        }
        if (!res0.ok || !d || typeof d !== 'object' || typeof d.answer !== 'string') {
          var err = d && str(d.error).trim();
          return addError(err || MSG_GENERIC, status >= 500 || !err);
        }
        if (str(d.conversation_id)) store(K_CONV, str(d.conversation_id));
        var c = d.contact && typeof d.contact === 'object' ? d.contact : null;
        add({
          role: 'bot',
          kind: KINDS.indexOf(d.kind) >= 0 && d.kind !== 'error' ? d.kind : 'answer',
          text: d.answer,
          sources: arr(d.sources).slice(0, 6).map(function (s) {
            s = s || {};
            return { title: str(s.title), section: str(s.section), url: str(s.url) };
          }),
          suggestions: arr(d.suggestions).map(str).slice(0, 6),
          contact: c && { name: str(c.name), phone: str(c.phone), email: str(c.email), booking_url: str(c.booking_url) },
          severity: d.severity === 'emergency' || d.severity === 'same_day' ? d.severity : '',
          emergency_phone: str(d.emergency_phone),
          callback: d.callback === true,
          booking: d.kind === 'answer' ? str(d.booking_url) : '',
          answer_id: typeof d.answer_id === 'number' ? d.answer_id : str(d.answer_id)
        }, true);
      })
      .catch(function () {
        // Network failure, CORS refusal or the 15 s timeout.
        typing.remove();
        setPending(false);
        addError(MSG_NET, true);
      });
    return true;
  }

  // --- erasing the conversation: from this tab and from the clinic's records
  function erased(ok) {
    if (!ok) return addError('Sorry, the conversation could not be erased. Please try again in a moment.', false);
    transcript = [];
    saveLog();
    forget(K_CONV);
    logEl.textContent = '';
    add({ role: 'note', text: "This conversation is erased: your questions, feedback and call-back requests are gone from the clinic's records." }, true);
  }
  function eraseConversation() {
    var conv = load(K_CONV);
    if (!conv) return erased(true);
    request('/api/conversations/' + encodeURIComponent(conv), null, 'DELETE')
      .then(function (res) { erased(res.status === 204); })
      .catch(function () { erased(false); });
  }
  eraseBtn.addEventListener('click', function () {
    if (pending) return;
    var sure = el('span', 'cc-confirm'), yes = button('cc-erase-yes', ''), no = button('cc-erase-no', '');
    sure.appendChild(el('span', '', 'Erase it from our records?'));
    yes.textContent = 'Erase';
    no.textContent = 'Cancel';
    sure.appendChild(yes);
    sure.appendChild(no);
    eraseBtn.hidden = true;
    foot.appendChild(sure);
    yes.focus();
    function done() { sure.remove(); eraseBtn.hidden = false; eraseBtn.focus(); }
    no.addEventListener('click', done);
    yes.addEventListener('click', function () { done(); eraseConversation(); });
  });

  // --- open / close and keyboard
  // On a phone the panel covers the page: the page must not scroll (or show its scrollbar) under it.
  var PHONE = window.matchMedia && window.matchMedia('(max-width:480px)'), pageOverflow = null;
  function lockPage() {
    var s = document.documentElement.style, lock = !panel.hidden && PHONE && PHONE.matches;
    if (lock && pageOverflow === null) { pageOverflow = s.overflow; s.overflow = 'hidden'; }
    else if (!lock && pageOverflow !== null) { s.overflow = pageOverflow; pageOverflow = null; }
  }
  if (PHONE && PHONE.addEventListener) PHONE.addEventListener('change', lockPage);

  function open(focus) {
    if (panel.hidden) {
      panel.hidden = false;
      lockPage();
      launcher.setAttribute('aria-expanded', 'true');
      store(K_OPEN, '1');
      if (!welcomed) welcome();
      scrollToEnd();
    }
    if (focus !== false) input.focus();
  }
  function close() {
    if (panel.hidden) return;
    var inside = panel.contains(root.activeElement);
    panel.hidden = true;
    lockPage();
    launcher.setAttribute('aria-expanded', 'false');
    store(K_OPEN, '0');
    if (inside) launcher.focus();
  }

  launcher.addEventListener('click', function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener('click', close);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (ask(input.value)) input.value = '';
    input.focus();
  });
  root.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !panel.hidden) {
      e.preventDefault();
      close();
      launcher.focus();
    } else if (e.key === 'Tab' && panel.contains(root.activeElement)) {
      // Keep Tab cycling within the panel.
      var items = Array.prototype.filter.call(panel.querySelectorAll('button,a[href],input,textarea'), function (n) {
        return !n.disabled && n.getClientRects().length;
      });
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1], cur = root.activeElement;
      if (e.shiftKey && (cur === first || cur === logEl)) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && cur === last) { e.preventDefault(); first.focus(); }
    }
  });

  // --- start: the clinic's strings first (when it gives a file), then the transcript from earlier
  // pages in this tab, then onto the page
  var started = false, openAsked = false;
  function restore() {
    try {
      transcript = arr(JSON.parse(load(K_LOG) || '[]')).filter(function (m) {
        return m && typeof m === 'object' && typeof m.text === 'string';
      }).slice(-MAX_LOG);
      transcript.forEach(function (m) { m.retry = false; }); // a Retry only makes sense on the page that failed
    } catch (e) { transcript = []; }
    transcript.forEach(function (m, i) { logEl.appendChild(render(m, i === transcript.length - 1)); });
    if (transcript.length) welcomed = true;
  }
  function start() {
    if (started) return;
    started = true;
    label();
    restore();
    if (document.body) mount();
    else document.addEventListener('DOMContentLoaded', mount);
  }
  function mount() {
    document.body.appendChild(host);
    if (openAsked) open();
    else if (load(K_OPEN) === '1') open(false);
  }
  var STRINGS_URL = pageUrl(attr('strings'));
  if (STRINGS_URL) {
    // A slow or missing file costs the visitor at most a moment: the defaults then.
    var waited = setTimeout(start, 3000);
    fetch(STRINGS_URL, { credentials: 'omit', headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? readJson(res) : null; })
      .then(function (d) { if (!started) takeStrings(d); }, function () { /* the defaults */ })
      .then(function () { clearTimeout(waited); start(); });
  } else {
    start();
  }

  window.ClinicChat = {
    open: function () { if (started && host.isConnected) open(); else openAsked = true; },
    close: close
  };
})();
