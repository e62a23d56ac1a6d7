//! Every intent, its variants, and the fallback.

use super::*;

fn name(s: &str) -> Option<Place> {
    Some(Place::Name(s.into()))
}

#[test]
fn outages() {
    let feeder = |f| {
        Some(Intent::Outages {
            feeder: Some(f),
            substation: None,
        })
    };
    assert_eq!(parse("outages on feeder 1000042"), feeder(1_000_042));
    assert_eq!(parse("Any OUTAGES on circuit 7?"), feeder(7));
    assert_eq!(
        parse("outages at the Midtown substation"),
        Some(Intent::Outages {
            feeder: None,
            substation: name("midtown")
        })
    );
    assert_eq!(
        parse("active outages"),
        Some(Intent::Outages {
            feeder: None,
            substation: None
        })
    );
}

#[test]
fn transformer_loading() {
    assert_eq!(
        parse("transformers over 100% load at Midtown"),
        Some(Intent::TransformerLoading {
            min_pct: 100.0,
            substation: name("midtown"),
            feeder: None
        })
    );
    assert_eq!(
        parse("transformers above 85 percent on feeder 12"),
        Some(Intent::TransformerLoading {
            min_pct: 85.0,
            substation: None,
            feeder: Some(12)
        })
    );
    assert_eq!(
        parse("overloaded transformers at substation 4000003"),
        Some(Intent::TransformerLoading {
            min_pct: 100.0,
            substation: Some(Place::Id(4_000_003)),
            feeder: None
        })
    );
}

#[test]
fn customers_out_and_crews() {
    assert_eq!(parse("customers out now"), Some(Intent::CustomersOut));
    assert_eq!(
        parse("How many customers are without power?"),
        Some(Intent::CustomersOut)
    );
    assert_eq!(
        parse("available crews near the Washington Avenue substation"),
        Some(Intent::Crews {
            status: Some("available"),
            near: name("washington avenue")
        })
    );
    assert_eq!(
        parse("crews"),
        Some(Intent::Crews {
            status: None,
            near: None
        })
    );
    assert_eq!(
        parse("dispatched crews"),
        Some(Intent::Crews {
            status: Some("dispatched"),
            near: None
        })
    );
}

#[test]
fn assets_and_traces() {
    assert_eq!(parse("asset 123"), Some(Intent::Asset(123)));
    assert_eq!(
        parse("where is pole 30000017?"),
        Some(Intent::Asset(30_000_017))
    );
    assert_eq!(parse("123"), Some(Intent::Asset(123)));
    assert_eq!(
        parse("trace downstream of 456"),
        Some(Intent::Trace {
            id: 456,
            direction: "downstream"
        })
    );
    assert_eq!(
        parse("Trace upstream from 456"),
        Some(Intent::Trace {
            id: 456,
            direction: "upstream"
        })
    );
    assert_eq!(
        parse("isolate 99"),
        Some(Intent::Trace {
            id: 99,
            direction: "isolate"
        })
    );
    assert_eq!(parse("trace downstream"), None, "no id");
}

#[test]
fn kpis_health_and_search() {
    let kpi = |metric, period| Some(Intent::Kpi { metric, period });
    assert_eq!(
        parse("SAIDI last month"),
        kpi(KpiMetric::Saidi, KpiPeriod::LastMonth)
    );
    assert_eq!(
        parse("saifi this year"),
        kpi(KpiMetric::Saifi, KpiPeriod::ThisYear)
    );
    assert_eq!(
        parse("CAIDI over the last 30 days"),
        kpi(KpiMetric::Caidi, KpiPeriod::LastDays(30))
    );
    assert_eq!(
        parse("reliability"),
        kpi(KpiMetric::All, KpiPeriod::LastDays(365))
    );
    assert_eq!(
        parse("worst poles"),
        Some(Intent::WorstPoles { max_health: None })
    );
    assert_eq!(
        parse("poles under 40"),
        Some(Intent::WorstPoles {
            max_health: Some(40.0)
        })
    );
    assert_eq!(
        parse("find Washington Ave"),
        Some(Intent::Search("Washington Ave".into()))
    );
}

#[test]
fn not_understood() {
    for q in ["", "   ", "hello", "what is the weather", "find"] {
        assert_eq!(parse(q), None, "{q:?}");
    }
    assert!(
        SUGGESTIONS.iter().all(|s| parse(s).is_some()),
        "every suggestion parses"
    );
}

#[test]
fn periods_are_local_calendar_months_and_years() {
    use crate::analytics::time::{day_start, days_from_civil};
    let off = -6 * 3600;
    let at = |y, m, d| day_start(days_from_civil(y, m, d), off);
    let now = at(2026, 1, 15) + 3600;
    assert_eq!(
        period_bounds(KpiPeriod::LastMonth, now, off),
        (at(2025, 12, 1), at(2026, 1, 1))
    );
    assert_eq!(
        period_bounds(KpiPeriod::ThisMonth, now, off),
        (at(2026, 1, 1), now)
    );
    assert_eq!(
        period_bounds(KpiPeriod::LastYear, now, off),
        (at(2025, 1, 1), at(2026, 1, 1))
    );
    assert_eq!(
        period_bounds(KpiPeriod::LastDays(7), now, off),
        (now - 7 * 86_400, now)
    );
}
