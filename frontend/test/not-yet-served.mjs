// Endpoints of the operations-center contract (OPS_API.md) that this branch's server does not
// serve yet: the page asks for them and shows "not available" on the 404. The browser tests
// allow exactly these error responses (and the console errors Chromium logs for them), by
// path; delete entries as the endpoints land.

/** Paths (regular expressions on the URL path) of contract endpoints not yet served here. */
export const NOT_YET_SERVED = [
  /^\/api\/outages$/,
  /^\/api\/outages\/\d+$/,
  /^\/api\/outages\/worst-feeders$/,
  /^\/api\/outages\/\d+\/dispatch$/,
  /^\/api\/kpi\/monthly$/,
  /^\/api\/ami\/transformers\/loading$/,
  /^\/api\/ami\/consumption\/by-class$/,
  /^\/api\/assets\/health\/distribution$/,
  /^\/api\/assets\/worst$/,
  /^\/api\/assets\/\d+\/health\/history$/,
  /^\/api\/search$/,
  /^\/api\/assistant$/,
];

/** Today `/api/assets/worst` reaches `/api/assets/{id}`, which answers 400 (not an id). */
export const NOT_YET_SERVED_400 = [/^\/api\/assets\/worst$/];

export const notYetServed = (status, url) => {
  const path = new URL(url).pathname;
  return (
    (status === 404 && NOT_YET_SERVED.some((re) => re.test(path))) ||
    (status === 400 && NOT_YET_SERVED_400.some((re) => re.test(path)))
  );
};

