// Error answers a live grid legitimately gives the page. With the simulator restoring outages
// every few hundred milliseconds, an outage the page listed can be gone when the page reads or
// dispatches to it: the server answers 404 ("no outage in progress"), the page shows
// "restored" or the server's reason. The browser tests allow exactly these answers (and the
// console errors Chromium logs for them), by status and path, and nothing else.

/** 404 answers allowed: an outage restored between listing it and reading or dispatching it. */
export const LIVE_404 = [/^\/api\/outages\/\d+$/, /^\/api\/outages\/\d+\/dispatch$/];

/** 409 answers allowed: a crew that became busy, or an outage crewed, since the page listed it. */
export const LIVE_409 = [/^\/api\/outages\/\d+\/dispatch$/];

export const liveRefusal = (status, url) => {
  const path = new URL(url).pathname;
  return (
    (status === 404 && LIVE_404.some((re) => re.test(path))) ||
    (status === 409 && LIVE_409.some((re) => re.test(path)))
  );
};
