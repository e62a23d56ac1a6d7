//! The built-in demo grid generator (placeholder until the generator lands).

use crate::model::LayerData;

/// Generator parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemoParams {
    pub seed: u64,
    pub scale: f64,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            seed: 1,
            scale: 1.0,
        }
    }
}

/// Generates the demo grid.
pub fn generate(_params: &DemoParams) -> Vec<LayerData> {
    unimplemented!("demo generator")
}
