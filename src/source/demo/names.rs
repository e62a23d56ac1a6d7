//! Substation names: real Houston-area places at their approximate offsets from downtown,
//! each with a unique three-letter code used in feeder names ("MDT-04").

use super::geom::V2;

/// `(name, code, km east, km north)` of downtown Houston.
const PLACES: &[(&str, &str, f64, f64)] = &[
    ("Downtown", "DTN", 0.0, 0.0),
    ("Midtown", "MDT", -0.8, -1.9),
    ("EaDo", "EDO", 1.9, -1.1),
    ("Fourth Ward", "FWD", -1.0, -0.5),
    ("Montrose", "MTR", -2.4, -1.7),
    ("Museum District", "MUS", -1.9, -4.2),
    ("Third Ward", "TWD", 1.0, -3.3),
    ("Second Ward", "SWD", 3.4, -0.6),
    ("Fifth Ward", "FFW", 3.4, 2.2),
    ("Near Northside", "NNS", 1.0, 2.8),
    ("Heights", "HTS", -2.7, 3.3),
    ("Washington Avenue", "WAV", -2.9, 1.1),
    ("River Oaks", "RVO", -4.8, -0.6),
    ("Upper Kirby", "UKB", -4.8, -2.2),
    ("Rice Village", "RCV", -4.4, -4.9),
    ("West University", "WUP", -5.8, -4.7),
    ("Medical Center", "TMC", -2.9, -5.9),
    ("Greenway", "GWY", -6.3, -3.3),
    ("Afton Oaks", "AFO", -7.7, -2.0),
    ("Tanglewood", "TGW", -10.6, -0.9),
    ("Galleria", "GAL", -9.0, -2.3),
    ("Bellaire", "BLR", -8.7, -6.0),
    ("Meyerland", "MYL", -8.7, -8.0),
    ("Braeswood", "BRW", -5.8, -7.2),
    ("Gulfton", "GFT", -11.6, -4.4),
    ("Sharpstown", "SHP", -14.0, -6.1),
    ("Westchase", "WCH", -18.4, -3.9),
    ("Alief", "ALF", -21.3, -6.7),
    ("Memorial", "MML", -15.5, 0.6),
    ("Spring Branch", "SPB", -13.5, 4.4),
    ("Briar Forest", "BRF", -21.3, -1.1),
    ("Energy Corridor", "ECR", -25.1, 2.2),
    ("Timbergrove", "TBG", -5.3, 3.9),
    ("Oak Forest", "OKF", -6.8, 7.2),
    ("Garden Oaks", "GDO", -3.9, 7.2),
    ("Independence Heights", "IHT", -1.9, 6.1),
    ("Northline", "NLN", -0.5, 9.4),
    ("Acres Homes", "ACH", -7.7, 11.7),
    ("Kashmere Gardens", "KSH", 4.8, 5.6),
    ("Denver Harbor", "DVH", 5.8, 1.7),
    ("Magnolia Park", "MGP", 6.8, -2.2),
    ("Eastwood", "ESW", 4.3, -2.8),
    ("Gulfgate", "GGT", 6.3, -6.1),
    ("Park Place", "PKP", 7.7, -8.3),
    ("Golfcrest", "GLC", 8.7, -7.2),
    ("South Union", "SUN", 2.4, -6.7),
    ("Sunnyside", "SNY", 1.5, -10.0),
    ("South Park", "SPK", 4.8, -11.7),
    ("Hobby", "HBY", 8.7, -12.8),
    ("South Acres", "SAC", 2.9, -13.9),
    ("Almeda", "ALM", -1.5, -13.3),
    ("Astrodome", "AST", -3.9, -8.3),
    ("Hiram Clarke", "HCL", -7.7, -15.0),
    ("Westbury", "WBY", -10.6, -10.5),
    ("Fondren Southwest", "FSW", -14.0, -11.7),
    ("Brays Oaks", "BYO", -16.4, -11.1),
    ("Fairbanks", "FBK", -12.6, 11.1),
    ("Greenspoint", "GSP", -4.4, 20.5),
    ("Aldine", "ALD", -1.0, 17.2),
    ("Eastex", "ETX", 3.9, 11.1),
    ("Trinity Gardens", "TGD", 6.8, 8.3),
    ("Settegast", "STG", 8.7, 5.0),
    ("Jacinto City", "JCC", 12.6, 0.6),
    ("Galena Park", "GPK", 13.5, -2.2),
    ("Pasadena", "PSD", 16.4, -7.8),
    ("Northshore", "NSH", 17.4, 3.3),
    ("Channelview", "CHV", 24.7, 1.7),
    ("Deer Park", "DRP", 23.7, -6.1),
    ("Sheldon", "SHD", 23.2, 11.7),
    ("La Porte", "LPT", 33.8, -10.5),
    ("Baytown", "BYT", 37.7, -2.8),
    ("Crosby", "CRB", 30.0, 16.7),
    ("Clear Lake", "CLK", 26.1, -21.7),
    ("Webster", "WBS", 24.2, -25.0),
    ("Seabrook", "SBK", 33.4, -21.7),
    ("Friendswood", "FWS", 16.4, -25.6),
    ("Pearland", "PRL", 7.7, -21.7),
    ("Fresno", "FRS", -7.7, -25.6),
    ("Missouri City", "MSC", -16.4, -16.1),
    ("Stafford", "STF", -18.4, -16.1),
    ("Sugar Land", "SGL", -24.2, -17.8),
    ("Sienna", "SNA", -14.5, -28.9),
    ("Mission Bend", "MSB", -28.5, -7.8),
    ("Addicks", "ADK", -26.1, 3.3),
    ("Bear Creek", "BRC", -26.1, 7.8),
    ("Cinco Ranch", "CNR", -36.7, -2.2),
    ("Katy", "KTY", -44.0, 2.8),
    ("Jersey Village", "JSV", -18.9, 14.4),
    ("Willowbrook", "WLB", -17.4, 22.2),
    ("Cypress", "CYP", -31.9, 23.3),
    ("Champions", "CHP", -15.5, 27.2),
    ("Spring", "SPR", -4.4, 35.5),
    ("Tomball", "TMB", -23.7, 37.2),
    ("The Woodlands", "TWL", -8.7, 45.0),
    ("Humble", "HMB", 10.6, 26.1),
    ("Atascocita", "ATS", 18.9, 26.1),
    ("Kingwood", "KWD", 17.9, 32.2),
];

/// Names substations at `positions` (metres from downtown, in order): each takes the
/// nearest place, with a penalty for places already used; repeats get a number ("Alief 2",
/// code "ALF2"). Returns `(name, code)` per position.
pub fn assign(positions: &[V2]) -> Vec<(String, String)> {
    let mut uses = vec![0u32; PLACES.len()];
    positions
        .iter()
        .map(|p| {
            let cost = |i: usize| {
                let (_, _, x, y) = PLACES[i];
                V2::new(x * 1000.0, y * 1000.0).dist(*p) + 6000.0 * uses[i] as f64
            };
            let best = (0..PLACES.len())
                .min_by(|&a, &b| cost(a).total_cmp(&cost(b)))
                .unwrap_or(0);
            uses[best] += 1;
            let (name, code, _, _) = PLACES[best];
            match uses[best] {
                1 => (name.to_string(), code.to_string()),
                k => (format!("{name} {k}"), format!("{code}{k}")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = PLACES.iter().map(|p| p.1).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PLACES.len());
    }

    #[test]
    fn repeated_names_stay_unique() {
        let pos = vec![V2::new(0.0, 0.0); 250];
        let mut names: Vec<String> = assign(&pos).into_iter().map(|n| n.1).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 250);
    }
}
