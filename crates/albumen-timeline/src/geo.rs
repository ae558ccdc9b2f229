//! Small geodesy helpers.

/// Mean Earth radius in kilometres (IUGG).
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance between two (lat, lon) points in degrees, in kilometres (haversine).
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().clamp(0.0, 1.0).asin()
}

/// Mean position of points, handling the antimeridian (averages unit vectors).
pub fn centroid(points: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let (mut x, mut y, mut z, mut n) = (0.0f64, 0.0f64, 0.0f64, 0usize);
    for (lat, lon) in points {
        let (la, lo) = (lat.to_radians(), lon.to_radians());
        x += la.cos() * lo.cos();
        y += la.cos() * lo.sin();
        z += la.sin();
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let hyp = (x * x + y * y).sqrt();
    if hyp < 1e-12 && z.abs() < 1e-12 {
        return None;
    }
    Some((z.atan2(hyp).to_degrees(), y.atan2(x).to_degrees()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_london() {
        let d = haversine_km((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((d - 343.5).abs() < 2.0, "{d}");
    }

    #[test]
    fn across_the_antimeridian() {
        let d = haversine_km((0.0, 179.9), (0.0, -179.9));
        assert!((d - 22.2).abs() < 0.5, "{d}");
        let c = centroid([(0.0, 179.9), (0.0, -179.9)].into_iter()).unwrap();
        assert!(c.1.abs() > 179.0, "{c:?}");
    }
}
