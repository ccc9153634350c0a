// Sphinx's search shows a snippet of each hit by fetching its page; a page opened from disk (file://) cannot
// fetch, so there the results show titles only. (DOCUMENTATION_OPTIONS is a `const`, not a window property.)
if (location.protocol === 'file:' && typeof DOCUMENTATION_OPTIONS !== 'undefined') DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
