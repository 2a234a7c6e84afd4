/*
 * The search page. The URL holds the search (?q=&page=&sort=&collapse=&source=&date_from=&date_to=), so every
 * state is linkable; the page asks the service's api/search and draws the answer with DOM calls only.
 * Counting, dates, snippets and links come from the <arabic-search> element of /widget.js.
 */
(function () {
  "use strict";

  const PER_PAGE = 10;
  // A result's copies listed under it; the rest are counted.
  const DUPLICATES_LISTED = 10;
  const {
    countText, pluralText, numberText, element, aboutParts, resultTitle, dateText, snippetFragment, safeUrl, requestSignal, errorDescription,
    isPlainClick,
  } = customElements.get("arabic-search");

  const byId = (id) => document.getElementById(id);
  // The service's root, as the visitor reaches it: "/", or the path a site passes on to the service.
  const SERVICE = byId("main").dataset.service;
  const form = byId("search-form");
  const input = byId("q");
  const status = byId("status");
  const suggestion = byId("suggestion");
  const suggestionLink = byId("suggestion-link");
  const synonyms = byId("synonyms");
  const synonymsList = byId("synonyms-list");
  const errorBox = byId("error");
  const empty = byId("empty");
  const emptyQuery = byId("empty-query");
  const emptyFilterTip = byId("empty-filter-tip");
  const welcome = byId("welcome");
  const results = byId("results");
  const resultsHeading = byId("results-heading");
  const skipLink = byId("skip-link");
  const pagination = byId("pagination");
  const filters = byId("filters");
  const filtersPanel = byId("filters-panel");
  const filtersToggle = byId("filters-toggle");
  const wideScreen = window.matchMedia("(min-width: 52rem)");
  const sourceFacets = byId("source-facets");
  const sourcesHeading = byId("filters-heading");
  const sortOptions = byId("sort-options");
  const collapseOptions = byId("collapse-options");
  const dateRange = byId("date-range");
  const dateFrom = byId("date-from");
  const dateTo = byId("date-to");
  const yearFacets = byId("year-facets");

  let current = readState();
  let controller = null;
  // The control to give the focus back to once the answer is drawn, found among the redrawn ones.
  let focusAfter = null;

  /** The search described by the page's URL. */
  function readState() {
    const params = new URLSearchParams(location.search);
    return {
      q: (params.get("q") || "").trim(),
      page: Math.max(1, parseInt(params.get("page"), 10) || 1),
      sort: params.get("sort") === "date" ? "date" : "relevance",
      collapse: params.get("collapse") === "document" ? "document" : "duplicates",
      sources: params.getAll("source").filter(Boolean),
      dateFrom: params.get("date_from") || "",
      dateTo: params.get("date_to") || "",
    };
  }

  /**
   * The query string of a search, for the page's URL and (with per_page) for the API; a document's
   * page keeps these parameters for its link back (pages.SEARCH_PARAMETERS).
   */
  function queryString(state, perPage) {
    const params = new URLSearchParams({ q: state.q });
    if (state.page > 1) params.set("page", String(state.page));
    if (perPage) params.set("per_page", String(perPage));
    if (state.sort === "date") params.set("sort", "date");
    if (state.collapse === "document") params.set("collapse", "document");
    for (const source of state.sources) params.append("source", source);
    if (state.dateFrom) params.set("date_from", state.dateFrom);
    if (state.dateTo) params.set("date_to", state.dateTo);
    return params.toString();
  }

  function pageHref(state) {
    return `${location.pathname}?${queryString(state)}`;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  /**
   * Show the search ``state``; ``history``: "push", "replace" or null. A search started from a control
   * that the answer redraws (a facet, the pages, "did you mean") gives ``focus``, which finds that
   * control's new self (or nothing: the results' heading then takes the focus).
   */
  async function search(state, history, focus = null) {
    current = state;
    focusAfter = focus;
    input.value = state.q;
    const onPage = state.page > 1 ? ` — الصفحة ${numberText(state.page)}` : "";
    document.title = state.q ? `${state.q}${onPage} — البحث العربي` : "البحث العربي";
    if (history) {
      const url = state.q ? pageHref(state) : location.pathname;
      // The same search again (Enter pressed twice) is no new step back.
      const push = history === "push" && queryString(state) !== queryString(readState());
      window.history[push ? "pushState" : "replaceState"](null, "", url);
    }
    if (controller) controller.abort();
    if (!state.q) {
      clear();
      show(welcome, true);
      return;
    }
    const own = (controller = new AbortController());
    results.setAttribute("aria-busy", "true");
    status.classList.remove("visually-hidden");
    status.textContent = "جارٍ البحث…";
    try {
      const params = new URLSearchParams(`${queryString(state, PER_PAGE)}&max_duplicates=${DUPLICATES_LISTED}`);
      const response = await fetch(`${SERVICE}api/search?${params}`, {
        signal: requestSignal(own.signal),
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => null);
      if (own.signal.aborted) return;
      const deepest = pageBeyondPaging(state, body);
      if (response.ok && body) render(state, body);
      else if (deepest) search({ ...state, page: deepest }, "replace", focusAfter);
      else renderError(state, errorDescription(body && body.error, response.ok ? 0 : response.status, params).texts);
    } catch (error) {
      if (!own.signal.aborted) renderError(state, errorDescription(null, 0).texts);
    } finally {
      if (controller === own) results.setAttribute("aria-busy", "false");
    }
  }

  /**
   * The deepest page the API gives, if ``state`` asked for one beyond it (``page_too_deep``), else 0:
   * asked for instead, that page is moved from to the last page there is, as any page past the end.
   */
  function pageBeyondPaging(state, body) {
    const error = body && body.error;
    if (!error || error.reason !== "page_too_deep") return 0;
    const deepest = Math.floor(error.limit / PER_PAGE);
    return deepest >= 1 && deepest < state.page ? deepest : 0;
  }

  function restoreFocus() {
    const find = focusAfter;
    focusAfter = null;
    // Unless the focus has gone elsewhere in the meantime (the search box); a control hidden or
    // removed by the answer keeps it no more.
    const active = document.activeElement;
    if (!find || (active && active !== document.body && active.isConnected && active.getClientRects().length)) return;
    (find() || resultsHeading).focus({ preventScroll: true });
  }

  /** The checkbox of a facet value, as newly drawn. */
  const facetBox = (facets, value) => () => [...facets.querySelectorAll("input")].find((box) => box.value === value);

  function clear() {
    results.replaceChildren();
    pagination.replaceChildren();
    [pagination, suggestion, synonyms, errorBox, empty, welcome, filters].forEach((node) => show(node, false));
    status.textContent = "";
  }

  function render(state, body) {
    if (!body.results.length && body.total > 0 && state.page > 1) {
      search({ ...state, page: Math.max(1, body.pages) }, "replace", focusAfter);
      return;
    }
    clear();
    // A result with its republished copies is one result, but its copies are matching paragraphs too
    // (as the facets count them); one per document, the document's paragraphs are the results.
    let summary = countText(state.collapse === "document" ? body.total : body.groups);
    if (state.collapse === "document" && body.total) summary += ` في ${documentsText(body.groups)}`;
    else if (body.total > body.groups) summary += ` (الفقرات المطابقة: ${numberText(body.total)})`;
    if (body.pages > 1) summary += ` — الصفحة ${numberText(body.page)} من ${numberText(body.pages)}`;
    status.textContent = summary;
    if (body.suggestion) {
      suggestionLink.textContent = body.suggestion;
      suggestionLink.href = pageHref({ ...state, q: body.suggestion, page: 1 });
      show(suggestion, true);
    }
    if (body.synonyms.length && body.results.length) {
      // Other names of what the query names (شباط: فبراير، فيفري), which the results may hold instead.
      synonymsList.textContent = body.synonyms.flatMap((found) => found.synonyms).join("، ");
      show(synonyms, true);
    }
    if (!body.results.length) {
      emptyQuery.textContent = state.q;
      show(emptyFilterTip, Boolean(state.sources.length || state.dateFrom || state.dateTo));
      show(empty, true);
    }
    // With no results the notice says it all; the count stays for screen readers only.
    status.classList.toggle("visually-hidden", !body.results.length);
    results.append(...body.results.map(resultItem));
    renderControls(state, body.facets || {}, body.total);
    renderPagination(state, body.pages);
    restoreFocus();
  }

  /**
   * The order and filters as ``state`` has them, whatever the answer: its ``facets`` ({source, year})
   * add the values found and their counts, and none come with an error.
   */
  function renderControls(state, facets, total) {
    sortOptions.querySelector(`input[value="${state.sort}"]`).checked = true;
    collapseOptions.querySelector(`input[value="${state.collapse}"]`).checked = true;
    dateFrom.value = state.dateFrom;
    dateTo.value = state.dateTo;
    renderFacets(state, facets.source || []);
    renderYears(state, facets.year || []);
    showFilters(state, total);
  }

  /** The order and filters: shown while there is something to order or a choice to undo. */
  function showFilters(state, total) {
    const chosen = [state.sort === "date", state.collapse === "document", Boolean(state.dateFrom || state.dateTo)]
      .filter(Boolean).length + state.sources.length;
    show(filters, total > 0 || chosen > 0);
    // Folded on a phone, the line still says how many choices differ from the defaults.
    filtersToggle.textContent = chosen ? `الترتيب والتصفية (${numberText(chosen)})` : "الترتيب والتصفية";
  }

  /** Why a search could not be done, in Arabic (the texts of ``errorDescription``). */
  function renderError(state, texts) {
    clear();
    renderControls(state, {}, 0);
    const list = element("ul");
    list.append(...texts.map((text) => element("li", "error-message", text)));
    errorBox.replaceChildren(element("p", "notice-title", "تعذّر تنفيذ هذا البحث"), list);
    show(errorBox, true);
    restoreFocus();
  }

  function link(text, href) {
    const anchor = element("a", "", text);
    anchor.href = href;
    return anchor;
  }

  /**
   * The document's page here, the query's words marked, at one of its paragraphs; it is given the
   * whole search (page, order, filters) for its link back to these results.
   */
  function documentHref(doc, position) {
    return `${SERVICE}documents/${encodeURIComponent(doc.id)}?${queryString(current)}#p${position}`;
  }

  function resultItem(result) {
    const doc = result.document || {};
    const item = element("li", "result");
    const title = element("h3", "result-title");
    const original = safeUrl(doc.url);
    // The original page if there is one, else the document here.
    const titleLink = link("", original || documentHref(doc, result.position));
    if (original) titleLink.rel = "noopener";
    // Without a title, the paragraph's opening words; isolated, so that a title in another
    // script reads in its own order.
    titleLink.append(element("bdi", "", doc.title || resultTitle(result) || doc.id));
    title.append(titleLink);
    item.append(title, metaLine(doc, result.position));
    const snippet = element("p", "snippet");
    // A paragraph in Latin letters reads left to right, its punctuation at its end.
    snippet.dir = "auto";
    snippet.append(snippetFragment(result.snippet));
    item.append(snippet);
    if (current.collapse === "document" && result.matched_paragraphs > 1) {
      const line = element("p", "more-in-document");
      line.append(link(otherParagraphsText(result.matched_paragraphs - 1), documentHref(doc, result.position)));
      item.append(line);
    }
    if (result.duplicate_count) item.append(duplicatesList(result.duplicates, result.duplicate_count));
    return item;
  }

  function metaLine(doc, position) {
    const meta = element("p", "result-meta");
    if (doc.source) {
      const source = element("span");
      source.append(element("bdi", "", doc.source));
      meta.append(source);
    }
    if (doc.date) {
      const time = element("time", "", dateText(doc.date));
      time.dateTime = doc.date;
      const when = element("span");
      when.append(time);
      meta.append(when);
    }
    if (position) {
      // The paragraph in its whole document, here.
      const where = element("span");
      where.append(link(`الفقرة ${numberText(position)}`, documentHref(doc, position)));
      meta.append(where);
    }
    return meta;
  }

  /** "n paragraphs": what the facets count (a result's republished copies each count). */
  function paragraphsText(n) {
    return pluralText(n, { one: "فقرة واحدة", two: "فقرتان", few: "{n} فقرات", other: "{n} فقرة" });
  }

  /** "n documents". */
  function documentsText(n) {
    return pluralText(n, { one: "مقال واحد", two: "مقالين", few: "{n} مقالات", many: "{n} مقالًا", other: "{n} مقال" });
  }

  /** "n other matching paragraphs in the article". */
  function otherParagraphsText(n) {
    return pluralText(n, {
      one: "فقرة أخرى مطابقة في المقال", two: "فقرتان أخريان مطابقتان في المقال",
      few: "{n} فقرات أخرى مطابقة في المقال", other: "{n} فقرة أخرى مطابقة في المقال",
    });
  }

  /** "also in n other places". */
  function elsewhereText(n) {
    return pluralText(n, { one: "موضع آخر", two: "موضعين آخرين", few: "{n} مواضع أخرى", many: "{n} موضعًا آخر", other: "{n} موضع آخر" });
  }

  function duplicatesList(duplicates, count) {
    const details = element("details", "duplicates");
    details.append(element("summary", "", `نُشرت هذه الفقرة أيضًا في ${elsewhereText(count)}`));
    const list = element("ul");
    for (const duplicate of duplicates) {
      const doc = duplicate.document || {};
      const item = element("li");
      // The copy's original page if it has one, else the copy's document here (its id: <document id>#<position>).
      const original = safeUrl(doc.url);
      const position = duplicate.id.slice(duplicate.id.lastIndexOf("#") + 1);
      const name = link("", original || documentHref(doc, position));
      if (original) name.rel = "noopener";
      name.append(element("bdi", "", doc.title || doc.id || duplicate.id));
      item.append(name);
      const about = aboutParts(doc);
      if (about.length) item.append(" — ", ...about);
      list.append(item);
    }
    if (count > duplicates.length) list.append(element("li", "duplicates-rest", `و${elsewhereText(count - duplicates.length)}`));
    details.append(list);
    return details;
  }

  function renderFacets(state, facets) {
    const values = facets.map((facet) => facet.value);
    const chosen = state.sources.filter((source) => !values.includes(source)).map((value) => ({ value }));
    const all = facets.concat(chosen);
    sourceFacets.replaceChildren(...all.map((facet) => facetChip("source", facet, state.sources.includes(facet.value))));
    show(sourcesHeading, all.length > 0);
  }

  /** A checkbox chip for a facet value, with its count when there is one. */
  function facetChip(name, facet, checked) {
    const chip = element("label", "chip");
    const box = element("input");
    box.type = "checkbox";
    box.name = name;
    box.value = facet.value;
    box.checked = checked;
    chip.append(box, element("bdi", "", facet.value));
    if (facet.count !== undefined) {
      // Read as "2024، 24 نتيجة" rather than the two numbers run together.
      box.setAttribute("aria-label", `${facet.value}، ${paragraphsText(facet.count)}`);
      const count = element("span", "count", numberText(facet.count));
      count.setAttribute("aria-hidden", "true");
      chip.append(count);
    }
    return chip;
  }

  /** The year a search's date range covers exactly, if it does. */
  function chosenYear(state) {
    const year = state.dateFrom.slice(0, 4);
    return state.dateFrom === `${year}-01-01` && state.dateTo === `${year}-12-31` ? year : "";
  }

  function renderYears(state, years) {
    const chosen = chosenYear(state);
    yearFacets.replaceChildren(...years.map((facet) => facetChip("year", facet, facet.value === chosen)));
  }

  function pageLink(state, page, text, label) {
    const link = element("a", "", text);
    link.href = pageHref({ ...state, page });
    link.dataset.page = String(page);
    if (label) link.setAttribute("aria-label", label);
    if (page === state.page) link.setAttribute("aria-current", "page");
    return link;
  }

  function renderPagination(state, pages) {
    if (pages <= 1) return;
    const page = state.page;
    const links = [];
    if (page > 1) links.push(pageLink(state, page - 1, "السابق", "الصفحة السابقة"));
    let last = 0;
    for (let n = 1; n <= pages; n += 1) {
      if (n !== 1 && n !== pages && Math.abs(n - page) > 2) continue;
      if (n - last > 1) links.push(element("span", "gap", "…"));
      links.push(pageLink(state, n, numberText(n), `الصفحة ${numberText(n)}`));
      last = n;
    }
    if (page < pages) links.push(pageLink(state, page + 1, "التالي", "الصفحة التالية"));
    pagination.append(...links);
    show(pagination, true);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) {
      input.focus();
      return;
    }
    search({ ...current, q, page: 1 }, "push");
  });

  // Past the order and filters to the results, without a new history entry for the fragment.
  skipLink.addEventListener("click", (event) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    resultsHeading.focus();
  });

  suggestionLink.addEventListener("click", (event) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    search({ ...current, q: suggestionLink.textContent, page: 1 }, "push", () => null);
  });

  pagination.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-page]");
    if (!link || !isPlainClick(event)) return;
    event.preventDefault();
    // The new page is read from its top: the focus goes to the results' heading.
    search({ ...current, page: Number(link.dataset.page) }, "push", () => null);
    window.scrollTo({ top: 0 });
  });

  sortOptions.addEventListener("change", (event) => {
    search({ ...current, sort: event.target.value, page: 1 }, "push");
  });

  collapseOptions.addEventListener("change", (event) => {
    search({ ...current, collapse: event.target.value, page: 1 }, "push");
  });

  /** A date still being typed: the browser gives 0002-…, 0020-…, 0202-… while its year's digits come. */
  const incomplete = (date) => Boolean(date) && date < "1000";

  dateRange.addEventListener("change", () => {
    if (incomplete(dateFrom.value) || incomplete(dateTo.value)) return;
    search({ ...current, dateFrom: dateFrom.value, dateTo: dateTo.value, page: 1 }, "push");
  });

  yearFacets.addEventListener("change", (event) => {
    const year = event.target.checked ? event.target.value : "";
    const range = year ? { dateFrom: `${year}-01-01`, dateTo: `${year}-12-31` } : { dateFrom: "", dateTo: "" };
    search({ ...current, ...range, page: 1 }, "push", facetBox(yearFacets, event.target.value));
  });

  sourceFacets.addEventListener("change", (event) => {
    const sources = [...sourceFacets.querySelectorAll("input:checked")].map((box) => box.value);
    search({ ...current, sources, page: 1 }, "push", facetBox(sourceFacets, event.target.value));
  });

  window.addEventListener("popstate", () => search(readState(), null));

  // Beside the results on a wide screen the order and filters are always shown; on a phone they
  // fold under one line above the results.
  const unfoldOnWideScreens = () => { filtersPanel.open = wideScreen.matches; };
  wideScreen.addEventListener("change", unfoldOnWideScreens);
  unfoldOnWideScreens();

  if (current.q) search(current, null);
  else if (wideScreen.matches) input.focus();
})();
