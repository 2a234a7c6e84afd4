/*
 * <arabic-search>: an Arabic search box with results as you type, for any web page.
 *
 *   <script src="https://HOST/widget.js" defer></script>
 *   <arabic-search endpoint="https://HOST"></arabic-search>
 *
 * Attributes: endpoint (default: the folder this script came from, the service's root; a relative
 * address is read against the page's), placeholder, label,
 * per-page (default 5, at most 100), source (comma-separated source names; a comma inside a name
 * is written \,), date-from, date-to (YYYY-MM-DD), sort ("date": newest first), collapse
 * ("document": one result per document).
 * Theming: the custom properties --arabic-search-accent, --arabic-search-background,
 * --arabic-search-text and --arabic-search-font on the element.
 * Choosing a result fires a cancelable "arabic-search-select" event ({result, href}), closes the
 * list and then, unless the event was cancelled, opens href: the document's url (an absolute http(s) address), else the document on the service's
 * page at the chosen paragraph; choosing "all results" opens the service's search page for the query
 * (with the element's sources, dates, order and collapsing). Each option is a link to its href, so a
 * click with Ctrl, Shift or the middle button opens it in a new tab or window, without the event.
 *
 * The list opens under the box, as wide as it, or under a narrower box 352px wide within the window
 * and the nearest ancestor that clips what overflows it.
 * The element lives in a shadow root, so the page's CSS cannot reach its inside (the page may still
 * place or hide the element itself) and its CSS cannot leak.
 * Every text goes in through textContent; the only HTML taken from the API is the snippet, and of
 * that only text and <mark> elements are made, without parsing it as HTML.
 */
(function () {
  "use strict";

  if (customElements.get("arabic-search")) return;

  /**
   * The address this script was loaded from: its <script> element's, as a classic script; as a module
   * (no document.currentScript, and import.meta would not parse as a classic script), the address of
   * the code running here, from a stack trace; else a <script> naming widget.js.
   */
  function scriptUrl() {
    if (document.currentScript && document.currentScript.src) return document.currentScript.src;
    const frame = /(https?:\/\/[^\s()]+?):\d+:\d+/.exec(new Error().stack || "");
    if (frame) return frame[1];
    const script = document.querySelector('script[src*="widget.js"]');
    return script ? script.src : location.href;
  }

  const SCRIPT_URL = new URL(scriptUrl(), location.href);
  // The service's address: the folder widget.js is served from (the service's root, or the path a
  // site passes on to it), else the script's origin.
  const SERVICE_URL = SCRIPT_URL.pathname.endsWith("/widget.js") ? new URL(".", SCRIPT_URL).href : SCRIPT_URL.origin;
  const DEBOUNCE_MS = 250;
  /** Milliseconds without typing after which a query refused for what it still lacks is said to be wrong. */
  const TYPING_PAUSE_MS = 2000;
  const MIN_LETTERS = 2;
  const PER_PAGE = 5;
  // As many results as the API gives in one page (searcher.MAX_PER_PAGE).
  const MAX_PER_PAGE = 100;
  const LOCALE = "ar";
  // The API's longest query (query.MAX_QUERY_LENGTH).
  const MAX_QUERY_LENGTH = 500;
  // How long an answer of the API is waited for; the service stops a search itself after 5 s.
  const TIMEOUT_MS = 10000;
  // The list under a narrower box: 22em of the widget's 16px, lines of about 45 Arabic letters.
  const LIST_MIN_WIDTH = 352;
  // The least room left between the list and either side of the window.
  const WINDOW_MARGIN = 8;

  const CSS = `
    :host { display: block; }
    :host([hidden]) { display: none !important; }
    .root {
      all: initial;
      display: block;
      position: relative;
      direction: rtl;
      text-align: right;
      font-family: var(--arabic-search-font, system-ui, "Segoe UI", Tahoma, "Noto Sans Arabic", "Noto Naskh Arabic", "Geeza Pro", "DejaVu Sans", sans-serif);
      font-size: 16px;
      line-height: 1.6;
      --text: var(--arabic-search-text, #1f2328);
      --accent: var(--arabic-search-accent, #0b5cad);
      --surface: var(--arabic-search-background, #ffffff);
      --muted: #5b636d;
      --line: #c9ced6;
      --active: #eaf2fb;
      --error: #a4161a;
      --focus-ring: rgba(11, 92, 173, 0.25);
      --field-border: #8c9096;
      color: var(--text);
    }
    /* Mixed from the theme's colours where the browser can, so that a dark theme keeps every text readable. */
    @supports (color: color-mix(in srgb, red, red)) {
      .root {
        --muted: color-mix(in srgb, var(--text) 72%, var(--surface));
        --line: color-mix(in srgb, var(--text) 24%, var(--surface));
        --active: color-mix(in srgb, var(--accent) 10%, var(--surface));
        --error: color-mix(in srgb, #c41e23 60%, var(--text));
        --focus-ring: color-mix(in srgb, var(--accent) 25%, transparent);
        --field-border: color-mix(in srgb, var(--text) 50%, var(--surface));
      }
    }
    .root *, .root *::before, .root *::after { box-sizing: border-box; }
    .field { position: relative; display: block; }
    .icon {
      position: absolute; inset-inline-start: 14px; top: 50%;
      width: 15px; height: 15px; margin-top: -9px;
      border: 2px solid var(--muted); border-radius: 50%; pointer-events: none;
    }
    .icon::after {
      content: ""; position: absolute; width: 2px; height: 7px; background: var(--muted);
      inset-inline-start: -4px; bottom: -6px; transform: rotate(45deg); border-radius: 1px;
    }
    input {
      display: block; width: 100%; height: 46px; margin: 0;
      padding-block: 0; padding-inline: 42px 14px;
      font: inherit; color: inherit; background: var(--surface);
      border: 1px solid var(--field-border); border-radius: 12px;
      direction: rtl; unicode-bidi: plaintext; text-align: right; outline: none;
      -webkit-appearance: none; appearance: none;
    }
    input::placeholder { color: var(--muted); opacity: 1; }
    input:focus { border-color: var(--accent); box-shadow: 0 0 0 3px var(--focus-ring); }
    input::-webkit-search-cancel-button { -webkit-appearance: none; }
    .panel {
      position: absolute; z-index: 2147483000; top: calc(100% + 6px); inset-inline: 0;
      display: block; max-height: min(30em, 75vh); overflow-y: auto;
      scrollbar-width: thin; scrollbar-color: var(--line) transparent;
      background: var(--surface); border: 1px solid var(--line); border-radius: 12px;
      overflow-wrap: anywhere;
      --panel-shadow: 0 12px 32px rgba(15, 23, 42, 0.16), 0 2px 6px rgba(15, 23, 42, 0.08);
      box-shadow: var(--panel-shadow);
    }
    /* An answer awaited: a line of the accent colour along the top of the panel, whatever it shows
       and however far its list is scrolled (an inset shadow does not scroll). */
    .panel.busy { box-shadow: inset 0 3px 0 var(--accent), var(--panel-shadow); }
    [hidden] { display: none !important; }
    ul { list-style: none; margin: 0; padding: 6px; display: block; }
    li {
      display: block; margin: 0; padding: 0; border-radius: 8px; cursor: pointer;
      border-inline-start: 3px solid transparent;
    }
    li > a { display: block; padding: 10px 12px; color: inherit; text-decoration: none; }
    li[aria-selected="true"] { background: var(--active); border-inline-start-color: var(--accent); }
    li:hover { background: var(--active); }
    /* Colours forced by the system (Windows high contrast) drop the background and show every border. */
    @media (forced-colors: active) {
      li { border-inline-start-color: Canvas; }
      li[aria-selected="true"] { outline: 2px solid Highlight; outline-offset: -2px; }
    }
    .title { display: block; font-weight: 600; font-size: 15px; color: var(--accent); }
    .meta { display: block; font-size: 13px; color: var(--muted); }
    .snippet {
      display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
      font-size: 14px; margin-top: 2px;
    }
    mark { background: #fde68a; color: #1f2328; font-weight: inherit; border-radius: 2px; padding: 0 1px; }
    li.more { text-align: center; color: var(--accent); font-size: 14px; border-top: 1px solid var(--line); border-radius: 0 0 8px 8px; }
    .message { margin: 0; padding: 14px 16px; color: var(--muted); font-size: 14px; display: block; }
    .message button {
      all: unset; color: var(--accent); font-weight: 600; text-decoration: underline; text-underline-offset: 0.3em; cursor: pointer;
      margin-inline: 0.2em;  /* room for its focus ring beside the question mark */
    }
    .message button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .message.error { color: var(--error); unicode-bidi: plaintext; text-align: right; }
    .visually-hidden {
      position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
      overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
    }
  `;

  /** Words of a paragraph that stand for the title of a document that has none. */
  const TITLE_WORDS = 8;

  /**
   * ``n`` in words, in the Arabic plural form its number takes: ``forms`` maps plural categories
   * (zero, one, two, few, many) to texts, "{n}" standing for the number; ``other`` serves the rest.
   */
  function pluralText(n, forms) {
    const form = forms[new Intl.PluralRules(LOCALE).select(n)] || forms.other;
    return form.replace("{n}", numberText(n));
  }

  /** A number as the widget and the search page write it. */
  function numberText(n) {
    return new Intl.NumberFormat(LOCALE).format(n);
  }

  /** "n results". */
  function countText(n) {
    return pluralText(n, { zero: "لا نتائج", one: "نتيجة واحدة", two: "نتيجتان", few: "{n} نتائج", other: "{n} نتيجة" });
  }

  /** What names a result whose document has no title: the opening words of its paragraph. */
  function resultTitle(result) {
    const words = (result.text || "").split(/\s+/).filter(Boolean);
    return words.length > TITLE_WORDS ? `${words.slice(0, TITLE_WORDS).join(" ")}…` : words.join(" ");
  }

  /** A YYYY-MM-DD date as Arabic text, or "" for no date. */
  function dateText(iso) {
    if (!iso) return "";
    const date = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return iso;
    return new Intl.DateTimeFormat(LOCALE, { dateStyle: "long", timeZone: "UTC" }).format(date);
  }

  // The entities of Python's html.escape, which the API escapes its snippets with.
  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", "#x27": "'" };

  /**
   * The API's snippet (escaped text, matched words in <mark>) as DOM: text and <mark> elements only.
   * No HTML is parsed, so a page that enforces Trusted Types shows it too.
   */
  function snippetFragment(html) {
    const fragment = document.createDocumentFragment();
    let parent = fragment;
    for (const piece of (html || "").split(/(<\/?mark>)/)) {
      if (piece === "<mark>") parent = fragment.appendChild(document.createElement("mark"));
      else if (piece === "</mark>") parent = fragment;
      else if (piece) parent.append(piece.replace(/&(amp|lt|gt|quot|#x27);/g, (_, name) => ENTITIES[name]));
    }
    return fragment;
  }

  /** The query sent while typing: the last word becomes a prefix (كتا → كتا*) until a space follows it (searcher._TYPED_PREFIX reads it). */
  function typingQuery(text) {
    const query = text.trim();
    if (/\s$/.test(text) || !query) return query;
    const words = query.split(/\s+/);
    const last = words[words.length - 1];
    const letters = last.match(/\p{L}/gu) || [];
    if (letters.length >= MIN_LETTERS && /^[\p{L}\p{M}\p{N}]+$/u.test(last)) words[words.length - 1] = `${last}*`;
    return words.join(" ");
  }

  const MESSAGES = {
    unreachable: "تعذّر الوصول إلى خدمة البحث. تحقّق من الاتصال وحاول مرة أخرى.",
    noIndex: "الفهرس غير متاح الآن: حاول بعد قليل.",
    invalid: "طلب البحث غير صالح.",
    notFound: "لا توجد خدمة البحث في العنوان المضبوط لهذا المربع: على صاحب الموقع تصحيحه.",
  };

  /** The names of the API's parameters, as the page and the widget call them. */
  const PARAMETERS = {
    q: "كلمات البحث", page: "رقم الصفحة", per_page: "عدد النتائج في الصفحة", source: "المصدر",
    date_from: "تاريخ البداية", date_to: "تاريخ النهاية", sort: "الترتيب", collapse: "طريقة العرض",
  };

  /**
   * Why the API refused a query (the ``reason`` of an ``invalid_query`` error; its messages are English,
   * for programs), in Arabic: ``[typing, text(limit)]``. ``typing``: a refusal that a query still being
   * typed meets on its way (a sentence that begins with a stop word, a quote not yet closed).
   */
  const REFUSALS = {
    nothing_meaningful: [true, () => "كلمات البحث كلها من الكلمات الشائعة (مثل «في» و«من») التي لا يُبحث بها وحدها: أضف كلمة تحمل المعنى."],
    unbalanced_quotes: [true, () => "علامة التنصيص غير مغلقة: أغلق العبارة بعلامة \" أو احذف العلامة."],
    unbalanced_brackets: [true, () => "الأقواس غير متوازنة: يحتاج كل قوس ( إلى قوس يغلقه )."],
    brackets_too_deep: [false, (n) => `الأقواس متداخلة أكثر مما يُقبل (${n} مستوى على الأكثر).`],
    wildcard_too_short: [true, () => "اكتب بداية أطول للكلمة قبل * أو ? أو ~ (مثل: تحال*)."],
    slop_without_number: [true, () => "تحتاج ~ بعد العبارة إلى عدد: \"وزراء الخارجية\"~2 تسمح بكلمتين بين كلماتها."],
    too_many_expanding_words: [false, (n) => `في البحث كلمات كثيرة بـ * أو ? أو ~ (${n} على الأكثر): احذف بعضها.`],
    too_many_words: [false, (n) => `كلمات البحث كثيرة (${n} على الأكثر): احذف بعضها.`],
    too_long: [false, (n) => `البحث أطول مما يُقبل (${n} حرف على الأكثر): اختصره.`],
    too_slow: [false, () => "استغرق هذا البحث وقتًا طويلًا فأُوقف: استعمل كلمات أقل أو أدق."],
    empty: [true, () => "اكتب كلمة واحدة على الأقل."],
    page_too_deep: [false, (n) => `تُعرض النتائج حتى النتيجة ${n} فقط: اختر صفحة سابقة.`],
  };

  /** Whether ``text`` is a date as YYYY-MM-DD that exists (not 2024-02-30). */
  function isDate(text) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text || "")) return false;
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
  }

  /** Whether a YYYY-MM-DD date's year is one the API reads as Hijri (1343 to 1500, metadata.HIJRI_YEARS). */
  function isHijri(text) {
    const year = Number((text || "").slice(0, 4));
    return year >= 1343 && year <= 1500;
  }

  /**
   * A parameter the API refused (an ``invalid_request`` error names them), in Arabic; ``params``, the
   * request's parameters if known, tell a start date after the end date from a date not written well:
   * the API refuses a Gregorian start date that exists only for coming after the end date. A Hijri
   * day is not known here to exist (1445-11-30 does not), so either may be the reason.
   */
  function parameterText(name, params) {
    const dated = `«${PARAMETERS[name]}» ليس تاريخًا صحيحًا: اكتبه هكذا 2024-01-31.`;
    if (name === "date_from") {
      const from = params && params.get("date_from");
      const to = params && params.get("date_to");
      if (!params || isHijri(from) || isHijri(to)) return `${dated} أو لعله بعد تاريخ النهاية.`;
      return isDate(from) && isDate(to) ? "تاريخ البداية بعد تاريخ النهاية: غيّر أحدهما." : dated;
    }
    if (name === "date_to") return dated;
    return PARAMETERS[name] ? `قيمة «${PARAMETERS[name]}» غير صالحة.` : MESSAGES.invalid;
  }

  /**
   * An error of the API as its users read it: ``{texts, typing}``, Arabic texts chosen by the HTTP
   * status (0: the service was not reached), the error's code, and the refused query's reason or the
   * refused parameters' names; ``typing`` when the query was refused only for what a query still being
   * typed has. ``params``: the refused request's parameters (URLSearchParams), if known.
   */
  function errorDescription(error, httpStatus, params = null) {
    if (!httpStatus) return { texts: [MESSAGES.unreachable], typing: false };
    const code = error && error.code;
    // A query so far over the API's limit that the server refuses its URL before the API reads it.
    if (code === "uri_too_long") return errorDescription({ code: "invalid_query", reason: "too_long", limit: MAX_QUERY_LENGTH }, httpStatus);
    if (code === "index_unavailable") return { texts: [MESSAGES.noIndex], typing: false };
    if (code === "invalid_query" && REFUSALS[error.reason]) {
      const [typing, text] = REFUSALS[error.reason];
      return { texts: [text(numberText(error.limit))], typing };
    }
    if (code === "invalid_query" || code === "invalid_request") {
      const texts = [...new Set(Object.keys(error.fields || {}).map((name) => parameterText(name, params)))];
      return { texts: texts.length && code === "invalid_request" ? texts : [MESSAGES.invalid], typing: false };
    }
    // No such address on the service: a setting of the page (the endpoint), which waiting will not mend.
    if (httpStatus === 404) return { texts: [MESSAGES.notFound], typing: false };
    return { texts: [`أجابت خدمة البحث بخطأ (الرمز ${httpStatus}). حاول مرة أخرى بعد قليل.`], typing: false };
  }

  /** The names of a comma-separated list; ``\,`` is a comma inside a name, ``\\`` a backslash. */
  function listedNames(text) {
    const names = [""];
    for (let i = 0; i < text.length; i += 1) {
      if (text[i] === ",") names.push("");
      else names[names.length - 1] += text[i] === "\\" && i + 1 < text.length ? text[++i] : text[i];
    }
    return names.map((name) => name.trim()).filter(Boolean);
  }

  /**
   * A document url as a link target if it is an absolute http(s) address, else "" (javascript:, data:,
   * garbage, and a relative address, which would name a page of whichever site shows the link).
   */
  function safeUrl(url) {
    if (!url) return "";
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
    } catch (error) {
      return "";
    }
  }

  /**
   * The signal of a request to the API: aborted by ``signal``, or when no answer has come in time
   * (made by hand: AbortSignal.any is too recent for many visitors' browsers).
   */
  function requestSignal(signal) {
    const timed = new AbortController();
    setTimeout(() => timed.abort(), TIMEOUT_MS);
    signal.addEventListener("abort", () => timed.abort(), { once: true });
    return timed.signal;
  }

  /** The service's page of a document, the words of ``query`` marked, at one of its paragraphs. */
  function documentUrl(endpoint, documentId, position, query) {
    return `${endpoint}/documents/${encodeURIComponent(documentId)}?${new URLSearchParams({ q: query })}#p${position}`;
  }

  /**
   * Window pixels per CSS pixel of ``element``, drawn at ``rect``: not 1 under a page's zoom or
   * transform: scale(). offsetWidth is rounded, so a ratio within 1% of 1 is 1, as is that of an
   * element of no width.
   */
  function pixelScale(element, rect) {
    const ratio = rect.width / element.offsetWidth;
    return Number.isFinite(ratio) && ratio > 0 && Math.abs(ratio - 1) > 0.01 ? ratio : 1;
  }

  /** Whether a click is one a link answers in its own tab: the main button, no modifier key. */
  function isPlainClick(event) {
    return event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /** What a result says of its document, its source and date, with " · " between them (none: []). */
  function aboutParts(doc) {
    const parts = [doc.source && element("bdi", "", doc.source), dateText(doc.date)].filter(Boolean);
    return parts.flatMap((part, i) => (i ? [" · ", part] : [part]));
  }

  let instances = 0;

  class ArabicSearch extends HTMLElement {
    static get observedAttributes() { return ["placeholder", "label"]; }

    static countText(n) { return countText(n); }
    static pluralText(n, forms) { return pluralText(n, forms); }
    static numberText(n) { return numberText(n); }
    static element(tag, className, text) { return element(tag, className, text); }
    static aboutParts(doc) { return aboutParts(doc); }
    static resultTitle(result) { return resultTitle(result); }
    static dateText(iso) { return dateText(iso); }
    static snippetFragment(html) { return snippetFragment(html); }
    static safeUrl(url) { return safeUrl(url); }
    static requestSignal(signal) { return requestSignal(signal); }
    static isPlainClick(event) { return isPlainClick(event); }
    static errorDescription(error, httpStatus, params) { return errorDescription(error, httpStatus, params); }
    static documentUrl(endpoint, documentId, position, query) { return documentUrl(endpoint, documentId, position, query); }

    constructor() {
      super();
      this._id = `arabic-search-${++instances}`;
      this._query = "";
      this._results = [];
      this._options = [];
      this._active = -1;
      this._timer = 0;
      this._controller = null;
      // The list was closed by the user (Escape, or the focus gone elsewhere): an answer still on its
      // way is drawn but does not open it again; typing or coming back to the input does.
      this._dismissed = false;
      // The list answers a query the input no longer holds: shown until the new answer comes, but
      // the arrow keys do not move in it, and Enter opens the search for what the input holds.
      this._stale = false;
      this._onResize = () => { if (!this._panel.hidden) this._placeList(); };
      this._build(this.attachShadow({ mode: "open" }));
    }

    _build(shadow) {
      if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet.prototype.replaceSync === "function") {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
      } else {
        shadow.append(element("style", "", CSS));
      }
      const root = element("div", "root");
      root.setAttribute("dir", "rtl");
      root.setAttribute("lang", "ar");

      const field = element("div", "field");
      this._label = element("label", "visually-hidden");
      this._label.htmlFor = "input";
      this._input = element("input");
      Object.assign(this._input, { id: "input", type: "search", autocomplete: "off", spellcheck: false });
      this._input.setAttribute("dir", "rtl");
      this._input.setAttribute("enterkeyhint", "search");
      this._input.setAttribute("role", "combobox");
      this._input.setAttribute("aria-autocomplete", "list");
      this._input.setAttribute("aria-expanded", "false");
      this._input.setAttribute("aria-controls", "listbox");
      field.append(this._label, this._input, element("span", "icon"));

      this._panel = element("div", "panel");
      this._panel.hidden = true;
      // Out of the tab order, which Chromium gives a box that scrolls: Tab leaves the combobox.
      this._panel.tabIndex = -1;
      this._listbox = element("ul");
      this._listbox.id = "listbox";
      this._listbox.setAttribute("role", "listbox");
      this._listbox.setAttribute("aria-label", "نتائج البحث");
      this._message = element("p", "message");
      this._message.hidden = true;
      this._panel.append(this._listbox, this._message);

      this._status = element("div", "visually-hidden");
      this._status.setAttribute("role", "status");
      this._status.setAttribute("aria-live", "polite");

      root.append(field, this._panel, this._status);
      shadow.append(root);

      this._input.addEventListener("input", () => {
        this._dismissed = false;
        this._schedule();
      });
      this._input.addEventListener("keydown", (event) => this._onKeydown(event));
      this._input.addEventListener("focus", () => {
        this._dismissed = false;
        if (this._options.length) this._open();
      });
      root.addEventListener("focusout", (event) => {
        if (root.contains(event.relatedTarget)) return;
        this._dismissed = true;
        this._close();
      });
      // Keep the focus in the input while a result is clicked.
      this._panel.addEventListener("mousedown", (event) => event.preventDefault());
      this._listbox.addEventListener("click", (event) => {
        const option = event.target.closest("[role=option]");
        // With a modifier key, the browser opens the option's link in a new tab or window.
        if (!option || !isPlainClick(event)) return;
        event.preventDefault();
        this._choose(this._options.indexOf(option));
      });
      this._applyAttributes();
    }

    attributeChangedCallback() { this._applyAttributes(); }

    connectedCallback() {
      // The list is placed again when the window or the box changes size (a sidebar that widens).
      window.addEventListener("resize", this._onResize);
      this._sizeWatch = typeof ResizeObserver === "function" ? new ResizeObserver(this._onResize) : null;
      if (this._sizeWatch) this._sizeWatch.observe(this._panel.parentElement);  // the box: the element itself may be inline
    }

    disconnectedCallback() {
      window.removeEventListener("resize", this._onResize);
      if (this._sizeWatch) this._sizeWatch.disconnect();
      clearTimeout(this._timer);
      if (this._controller) this._controller.abort();
    }

    _applyAttributes() {
      const label = this.getAttribute("label") || "بحث";
      this._label.textContent = label;
      this._input.placeholder = this.getAttribute("placeholder") || "ابحث…";
    }

    /** The service's address: the endpoint attribute, read against the page's address, else the folder of this script. */
    get endpoint() {
      return new URL(this.getAttribute("endpoint") || SERVICE_URL, location.href).href.replace(/\/+$/, "");
    }

    _searchUrl(query) {
      const url = new URL(`${this.endpoint}/api/search`);
      url.searchParams.set("q", query);
      const perPage = parseInt(this.getAttribute("per-page"), 10);
      url.searchParams.set("per_page", String(perPage > 0 ? Math.min(perPage, MAX_PER_PAGE) : PER_PAGE));
      url.searchParams.set("max_duplicates", "0"); // the list shows no copies
      for (const source of listedNames(this.getAttribute("source") || "")) url.searchParams.append("source", source);
      for (const name of ["date-from", "date-to", "sort", "collapse"]) {
        const value = this.getAttribute(name);
        if (value) url.searchParams.set(name.replace("-", "_"), value);
      }
      return url;
    }

    /** The service's search page for a query, with the element's sources, dates, order and collapsing. */
    _pageUrl(query) {
      const params = this._searchUrl(query).searchParams;
      params.delete("per_page");
      params.delete("max_duplicates");
      return `${this.endpoint}/?${params}`;
    }

    /** Whether an answer is awaited: said to assistive technology by the list, shown by the panel. */
    _setBusy(busy) {
      if (busy) this._listbox.setAttribute("aria-busy", "true");
      else this._listbox.removeAttribute("aria-busy");
      this._panel.classList.toggle("busy", busy);
    }

    _schedule() {
      clearTimeout(this._timer);
      clearTimeout(this._pause);
      if (this._controller) this._controller.abort();
      this._stale = true;
      this._setBusy(true);
      this._select(-1);
      const query = typingQuery(this._input.value);
      if ((query.match(/\p{L}|\p{N}/gu) || []).length < MIN_LETTERS) {
        this._query = "";
        this._render({});
        this._status.textContent = "";
        this._close();
        return;
      }
      this._timer = setTimeout(() => this._search(query), DEBOUNCE_MS);
    }

    async _search(query) {
      const controller = new AbortController();
      this._controller = controller;
      const url = this._searchUrl(query);
      let response = null;
      let body = null;
      try {
        response = await fetch(url, {
          signal: requestSignal(controller.signal),
          headers: { Accept: "application/json" },
        });
        body = await response.json().catch(() => null);
      } catch (error) {
        response = null;
      }
      if (controller.signal.aborted) return;
      if (response && response.ok && body) {
        this._query = query;
        this._render(body);
        return;
      }
      const { texts, typing } = errorDescription(body && body.error, response && !response.ok ? response.status : 0, url.searchParams);
      if (typing) {
        // The query may still be being written: nothing wrong yet. Said once typing has stopped.
        this._query = "";
        this._render({});
        this._status.textContent = "";
        this._close();
        this._pause = setTimeout(() => {
          this._query = query;
          this._render({ error: texts.join(" ") });
        }, TYPING_PAUSE_MS);
        return;
      }
      this._query = query;
      this._render({ error: texts.join(" ") });
    }

    /** Draw one answer: an option per result, then "all results"; or the error, or "no results". */
    _render(body) {
      const results = body.results || [];
      this._results = results;
      this._stale = false;
      this._setBusy(false);
      this._listbox.replaceChildren();
      this._options = [];
      this._active = -1;
      this._input.removeAttribute("aria-activedescendant");
      results.forEach((result, index) => {
        const doc = result.document || {};
        const content = this._option(index, safeUrl(doc.url) || documentUrl(this.endpoint, doc.id, result.position, this._query));
        const title = element("span", "title");
        title.append(element("bdi", "", doc.title || resultTitle(result) || doc.id || ""));
        content.append(title);
        const about = aboutParts(doc);
        if (about.length) {
          const meta = element("span", "meta");
          meta.append(...about);
          content.append(meta);
        }
        const snippet = element("span", "snippet");
        snippet.dir = "auto";
        snippet.append(snippetFragment(result.snippet));
        content.append(snippet);
      });
      if (results.length) {
        // Results as listed: a paragraph with its republished copies is one (the page counts them alike).
        this._option(results.length, this._pageUrl(this._query), "more").textContent = `عرض كل النتائج (${countText(body.groups)})`;
      }
      this._listbox.hidden = !results.length;
      this._message.hidden = true;
      if (!this._query) return;
      this._status.textContent = countText(body.groups || 0);
      if (body.error) this._showMessage([body.error], true);
      else if (!results.length) this._showEmpty(body.suggestion);
      if (!this._dismissed) this._open();
    }

    _showEmpty(suggestion) {
      const parts = ["لا نتائج لـ «", element("bdi", "", this._input.value.trim()), "»."];
      if (suggestion) {
        const button = element("button", "", suggestion);
        button.dir = "auto";
        button.type = "button";
        button.addEventListener("click", () => {
          this._input.value = suggestion;
          this._input.focus();
          this._schedule();
        });
        parts.push(" هل تقصد ", button, "؟");
      }
      this._showMessage(parts, false);
    }

    /**
     * A new option of the list; returns the link to ``href`` that holds its content, so that the option
     * opens in a new tab or window as a link does (Ctrl, Shift or the middle button).
     */
    _option(index, href, className = "") {
      const option = element("li", className);
      option.id = `${this._id}-option-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const link = element("a");
      link.href = href;
      link.tabIndex = -1;
      option.append(link);
      this._listbox.append(option);
      this._options.push(option);
      return link;
    }

    _showMessage(parts, isError) {
      this._message.replaceChildren(...parts);
      this._message.hidden = false;
      this._message.classList.toggle("error", isError);
      this._status.textContent = this._message.textContent;
    }

    _open() {
      const hasContent = this._options.length > 0 || !this._message.hidden;
      this._panel.hidden = !hasContent;
      this._input.setAttribute("aria-expanded", String(this._options.length > 0));
      if (hasContent) this._placeList();
    }

    /**
     * Widen the list under a box narrower than LIST_MIN_WIDTH, within the window and within the
     * nearest ancestor that clips what overflows it (a sidebar that scrolls): its right edge on the
     * box's (the start of a right-to-left line), else its left edge, else moved inside those bounds.
     */
    _placeList() {
      const style = this._panel.style;
      style.left = style.right = style.width = "";
      const boxElement = this._panel.parentElement;
      const box = boxElement.getBoundingClientRect();  // the box's edges in the window; the list's left counts from its left
      const scale = pixelScale(boxElement, box);
      const bounds = this._listBounds();
      // The box's own edges are always within reach: a box at the window's edge keeps the list flush with it.
      const [low, high] = [Math.min(bounds.left, box.left), Math.max(bounds.right, box.right)];
      const width = Math.min(LIST_MIN_WIDTH * scale, high - low);
      if (width <= box.width) return;  // as wide as the box
      let left = box.right - width;
      if (left < low) left = box.left;
      if (left < low || left + width > high) left = Math.max(low, Math.min(left, high - width));
      Object.assign(style, { left: `${(left - box.left) / scale}px`, right: "auto", width: `${width / scale}px` });
    }

    /**
     * The left and right edges, in the window, the list may reach: the window's, WINDOW_MARGIN
     * inside, and the inside (its scrollbar and border left out) of the nearest ancestor, through
     * slots and shadow roots, that clips what overflows it sideways.
     */
    _listBounds() {
      const bounds = { left: WINDOW_MARGIN, right: document.documentElement.clientWidth - WINDOW_MARGIN };
      const above = (node) => node.assignedSlot || node.parentElement || node.getRootNode().host || null;
      for (let node = above(this); node && node !== document.documentElement && node !== document.body; node = above(node)) {
        const { overflowX, display } = getComputedStyle(node);
        if (overflowX !== "visible" && display !== "contents") {  // an element of display: contents has no box to clip
          const rect = node.getBoundingClientRect();
          const scale = pixelScale(node, rect);
          const inside = rect.left + node.clientLeft * scale;
          return { left: Math.max(bounds.left, inside), right: Math.min(bounds.right, inside + node.clientWidth * scale) };
        }
      }
      return bounds;
    }

    _close() {
      this._panel.hidden = true;
      this._input.setAttribute("aria-expanded", "false");
      this._select(-1);
    }

    _select(index) {
      this._options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      this._active = index;
      if (index < 0) {
        this._input.removeAttribute("aria-activedescendant");
        return;
      }
      const option = this._options[index];
      this._input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }

    _move(step) {
      if (!this._options.length || this._stale) return;
      this._dismissed = false;
      if (this._panel.hidden) this._open();
      const count = this._options.length;
      const next = this._active < 0 ? (step > 0 ? 0 : count - 1) : (this._active + step + count) % count;
      this._select(next);
    }

    _onKeydown(event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          this._move(1);
          break;
        case "ArrowUp":
          event.preventDefault();
          this._move(-1);
          break;
        case "Enter":
          event.preventDefault();
          if (this._active >= 0 && !this._panel.hidden) this._choose(this._active);
          // The search page for the query the list shows (or is about to), last word a prefix.
          else if (this._input.value.trim()) this._go(null, this._pageUrl(typingQuery(this._input.value)));
          break;
        case "Escape":
          if (!this._panel.hidden) {
            event.preventDefault();
            this._dismissed = true;
            this._close();
          } else if (this._input.value) {
            event.preventDefault();
            this._input.value = "";
            this._schedule();
          }
          break;
        default:
          break;
      }
    }

    _choose(index) {
      this._go(this._results[index] || null, this._options[index].querySelector("a").href);
    }

    _go(result, href) {
      const event = new CustomEvent("arabic-search-select", {
        bubbles: true, composed: true, cancelable: true, detail: { result, href },
      });
      const proceed = this.dispatchEvent(event);
      this._dismissed = true;  // an answer still on its way opens no list
      this._close();
      if (proceed) location.assign(href);
    }
  }

  customElements.define("arabic-search", ArabicSearch);
})();
