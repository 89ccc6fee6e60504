//! Attaching settlements and reception centres to the road network.

use evac_model::LatLon;
use evac_network::{Network, Snapper};

/// A place attached to its nearest routing node.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub location: LatLon,
    pub node: u32,
    /// Geodesic distance from the place to its node, metres.
    pub snap_m: f64,
}

impl Site {
    pub fn is_far(&self, max_snap_m: f64) -> bool {
        self.snap_m > max_snap_m
    }
}

/// Snap places (id, name, location) to the network.
pub fn attach<'a>(network: &Network, places: impl IntoIterator<Item = (&'a str, &'a str, LatLon)>) -> Vec<Site> {
    let snapper = Snapper::new(network);
    places
        .into_iter()
        .map(|(id, name, location)| {
            let snap = snapper.nearest(location).expect("a built network has nodes");
            Site { id: id.to_string(), name: name.to_string(), location, node: snap.node, snap_m: snap.distance_m }
        })
        .collect()
}
