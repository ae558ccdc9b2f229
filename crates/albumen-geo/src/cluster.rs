//! Map clusters at every web-map zoom from an H3 index of points.
//!
//! # Layout (why it is fast and small)
//! Every point is keyed by its H3 cell at a fine resolution (13 by default, ~3.5 m edge).
//! H3 cell ids at one resolution sort hierarchically: all descendants of a coarser cell are one
//! contiguous run of ids (base cell, then one 3-bit digit per resolution). So the index is a
//! sorted array of `(fine cell, item id)` with prefix sums of the points' unit vectors, and the
//! cluster of any coarser cell is a range of that array: its count is a subtraction, its
//! centroid a difference of prefix sums normalised back to the sphere (which is right across the
//! antimeridian and at the poles, unlike averaging degrees), its representative the first live
//! item of the range. Nothing is stored per resolution, so memory is a fixed ~44 bytes a point
//! whatever the zoom levels asked.
//!
//! A query walks the H3 hierarchy from the 122 base cells down to the zoom's resolution, into
//! cells that hold points and may meet the bounding box (a padded lat/lon box of the cell, so
//! the test is conservative: a cell is never skipped wrongly). A cell wholly inside the box is
//! not descended: its clusters are read off the array by galloping over runs.
//!
//! Incremental: inserts go to a sorted overlay and removals of indexed items to a tombstone set,
//! both merged into answers at query time; when they outgrow 1/8 of the array (at least 4096)
//! they are merged in one linear pass (no cell is recomputed), so an insert or remove costs
//! amortised O(log n), never a rebuild of the world.

use std::collections::{BTreeMap, BTreeSet};

use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;

use crate::error::Error;
use crate::places::{check_position, unit_vector};

/// The id of an item in a [`ClusterIndex`] (its position in the slice given to
/// [`ClusterIndex::build`], or the value returned by [`ClusterIndex::insert`]).
pub type ItemId = u32;

/// Runs of at most this many entries are grouped by a scan rather than descended.
const SMALL_RUN: usize = 256;

/// Scale of the fixed-point unit-vector sums (2^30: 1e-9 of the Earth radius, ~6 mm).
const SCALE: f64 = (1u64 << 30) as f64;

/// A bounding box in degrees. `west > east` means it crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl Bbox {
    /// Whether a cluster of `cell` (an H3 cell id) or of any of its descendants may have its
    /// centroid inside the box: `false` only when the cell's padded box is disjoint from it, the
    /// test [`ClusterIndex::clusters`] descends by (so clustering just the points of the cells
    /// for which this holds gives the same clusters in the box). `true` for an invalid id.
    ///
    /// ```
    /// let paris = albumen_geo::map_key(48.8584, 2.2945).unwrap().unwrap();
    /// let (and, or) = albumen_geo::ancestor_masks(6).unwrap();
    /// let cell = paris.cell & and | or;
    /// let b = albumen_geo::Bbox::new(2.0, 48.5, 2.7, 49.1).unwrap();
    /// assert!(b.may_hold_clusters_of(cell));
    /// let sydney = albumen_geo::Bbox::new(150.0, -34.5, 152.0, -33.0).unwrap();
    /// assert!(!sydney.may_hold_clusters_of(cell));
    /// ```
    pub fn may_hold_clusters_of(&self, cell: u64) -> bool {
        CellIndex::try_from(cell)
            .map_or(true, |c| self.relation(&cell_box(c)) != Relation::Disjoint)
    }

    /// The whole world.
    pub const WORLD: Bbox = Bbox {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: 90.0,
    };

    /// Validates a box: every value in range, `south <= north`. `west > east` is a box across
    /// the antimeridian (e.g. `170, -20, -170, 0` around Fiji).
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Result<Self, Error> {
        let lat_ok = |v: f64| v.is_finite() && (-90.0..=90.0).contains(&v);
        let lon_ok = |v: f64| v.is_finite() && (-180.0..=180.0).contains(&v);
        if !(lat_ok(south) && lat_ok(north) && lon_ok(west) && lon_ok(east)) || south > north {
            return Err(Error::InvalidBbox {
                west,
                south,
                east,
                north,
            });
        }
        Ok(Bbox {
            west,
            south,
            east,
            north,
        })
    }

    /// (west, south, east, north).
    pub fn edges(&self) -> (f64, f64, f64, f64) {
        (self.west, self.south, self.east, self.north)
    }

    /// East edge unwrapped so that `west <= east_unwrapped <= west + 360`.
    fn east_unwrapped(&self) -> f64 {
        if self.west <= self.east {
            self.east
        } else {
            self.east + 360.0
        }
    }

    /// Whether a position is inside (edges included).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        if lat < self.south || lat > self.north {
            return false;
        }
        let e = self.east_unwrapped();
        [0.0, 360.0].iter().any(|k| {
            let l = lon + k;
            l >= self.west && l <= e
        })
    }

    /// How a lat/lon box (west may be < -180 or east > 180; `full_lon` for a cell around a pole)
    /// relates to this box.
    fn relation(&self, b: &CellBox) -> Relation {
        if b.north < self.south || b.south > self.north {
            return Relation::Disjoint;
        }
        let e = self.east_unwrapped();
        let lat_inside = b.south >= self.south && b.north <= self.north;
        if b.full_lon {
            return if lat_inside && e - self.west >= 360.0 {
                Relation::Inside
            } else {
                Relation::Partial
            };
        }
        let shifts = [-360.0, 0.0, 360.0];
        if !shifts
            .iter()
            .any(|k| b.west + k <= e && b.east + k >= self.west)
        {
            return Relation::Disjoint;
        }
        let lon_inside = e - self.west >= 360.0
            || shifts
                .iter()
                .any(|k| b.west + k >= self.west && b.east + k <= e);
        if lat_inside && lon_inside {
            Relation::Inside
        } else {
            Relation::Partial
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    Disjoint,
    Partial,
    Inside,
}

/// A conservative lat/lon box around an H3 cell.
#[derive(Debug, Clone, Copy)]
struct CellBox {
    south: f64,
    north: f64,
    west: f64,
    east: f64,
    full_lon: bool,
}

fn cell_box(cell: CellIndex) -> CellBox {
    let res = cell.resolution();
    // Geodesic edges can bulge past their end points; one edge length of padding is more than
    // the bulge of any edge (and the boundary includes H3's distortion vertices).
    let pad = res.edge_length_km() * 1.5 / 111.0;
    let boundary = cell.boundary();
    let mut south = f64::INFINITY;
    let mut north = f64::NEG_INFINITY;
    let mut west = f64::INFINITY;
    let mut east = f64::NEG_INFINITY;
    let mut reference: Option<f64> = None;
    for v in boundary.iter() {
        let (lat, lon) = (v.lat(), v.lng());
        south = south.min(lat);
        north = north.max(lat);
        let r = *reference.get_or_insert(lon);
        let mut d = lon - r;
        if d > 180.0 {
            d -= 360.0;
        } else if d < -180.0 {
            d += 360.0;
        }
        west = west.min(r + d);
        east = east.max(r + d);
    }
    let (mut south, mut north) = ((south - pad).max(-90.0), (north + pad).min(90.0));
    let contains_pole = |lat: f64| LatLng::new(lat, 0.0).is_ok_and(|p| p.to_cell(res) == cell);
    if contains_pole(90.0) {
        north = 90.0;
    }
    if contains_pole(-90.0) {
        south = -90.0;
    }
    let max_abs = south.abs().max(north.abs());
    let full_lon = east - west >= 180.0 || max_abs >= 89.0;
    let lon_pad = pad / max_abs.to_radians().cos().max(0.02);
    CellBox {
        south,
        north,
        west: west - lon_pad,
        east: east + lon_pad,
        full_lon: full_lon || east - west + 2.0 * lon_pad >= 360.0,
    }
}

/// One cluster of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The H3 cell whose points form the cluster (at the zoom's resolution).
    pub cell: CellIndex,
    /// Number of points.
    pub count: u64,
    /// A representative item: the first live item of the cell in index order (deterministic:
    /// the same after any sequence of inserts/removes as after a fresh build).
    pub representative: ItemId,
    /// Centroid latitude (spherical mean of the points).
    pub lat: f64,
    /// Centroid longitude.
    pub lon: f64,
}

/// The H3 resolution used at a web-map zoom: the coarsest resolution whose average edge is no
/// longer than a 60-pixel cluster radius (256-pixel tiles) at that zoom, so zoom 0 → 0,
/// zoom 10 → 5, zoom 20 → 13.
pub fn resolution_for_zoom(zoom: u8) -> Result<Resolution, Error> {
    if zoom > 20 {
        return Err(Error::InvalidZoom(zoom));
    }
    let radius_km = 40_075.016 / f64::from(1u32 << zoom) / 256.0 * 60.0;
    Ok(Resolution::range(Resolution::Zero, Resolution::Fifteen)
        .find(|r| r.edge_length_km() <= radius_km)
        .unwrap_or(Resolution::Fifteen))
}

/// Bit position of the resolution field of an H3 index.
const RES_SHIFT: u32 = 52;
const RES_MASK: u64 = 0xF << RES_SHIFT;

/// Mask of the digits of resolutions `from..=to` (digit r at bits (15 - r) * 3).
fn digits_mask(from: u8, to: u8) -> u64 {
    let mut m = 0u64;
    for r in from..=to {
        m |= 7u64 << (3 * u32::from(15 - r));
    }
    m
}

/// First and last id at resolution `fine` that descend from `cell` (resolution `res`).
fn descendant_range(cell: u64, res: u8, fine: u8) -> (u64, u64) {
    let base = (cell & !RES_MASK) | (u64::from(fine) << RES_SHIFT);
    if res >= fine {
        return (base, base);
    }
    let m = digits_mask(res + 1, fine);
    (base & !m, base | m)
}

/// The ancestor at resolution `res` of a cell at resolution `fine` (bit arithmetic, no checks).
fn ancestor(cell: u64, res: u8, fine: u8) -> u64 {
    if res >= fine {
        return cell;
    }
    (cell & !RES_MASK) | (u64::from(res) << RES_SHIFT) | digits_mask(res + 1, fine)
}

fn to_fixed(v: [f64; 3]) -> [i64; 3] {
    [
        (v[0] * SCALE).round() as i64,
        (v[1] * SCALE).round() as i64,
        (v[2] * SCALE).round() as i64,
    ]
}

fn add3(a: &mut [i64; 3], b: [i64; 3]) {
    for k in 0..3 {
        a[k] = a[k].wrapping_add(b[k]);
    }
}

fn sub3(a: &mut [i64; 3], b: [i64; 3]) {
    for k in 0..3 {
        a[k] = a[k].wrapping_sub(b[k]);
    }
}

/// Lat/lon of the direction of a vector sum (the spherical centroid).
fn direction(s: [i64; 3]) -> Option<(f64, f64)> {
    let (x, y, z) = (s[0] as f64, s[1] as f64, s[2] as f64);
    let n = (x * x + y * y + z * z).sqrt();
    if n == 0.0 || !n.is_finite() {
        return None;
    }
    let lat = (z / n).clamp(-1.0, 1.0).asin().to_degrees();
    let lon = if x == 0.0 && y == 0.0 {
        0.0
    } else {
        y.atan2(x).to_degrees()
    };
    Some((lat, lon))
}

/// The fine resolution of [`ClusterIndex::build`]'s default and of [`map_key`] (13, ~3.5 m edge).
pub const FINE_RESOLUTION: Resolution = Resolution::Thirteen;

/// How a point is keyed in a default [`ClusterIndex`], for callers that keep clusters elsewhere
/// (the albumen index keeps per-cell counts and sums in SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapKey {
    /// The point's H3 cell at [`FINE_RESOLUTION`], as an integer.
    pub cell: u64,
    /// Its unit vector in the fixed point of the index's sums (see [`centroid`]).
    pub vector: [i64; 3],
}

/// The key of a point exactly as [`ClusterIndex::build`] computes it (position rounded to
/// `f32`, cell at [`FINE_RESOLUTION`]); `None` for (0, 0), which the index takes as missing.
///
/// ```
/// let k = albumen_geo::map_key(48.8584, 2.2945).unwrap().unwrap();
/// let (lat, lon) = albumen_geo::centroid(k.vector).unwrap();
/// assert!((lat - 48.8584).abs() < 1e-5 && (lon - 2.2945).abs() < 1e-5);
/// assert_eq!(albumen_geo::map_key(0.0, 0.0).unwrap(), None);
/// assert!(albumen_geo::map_key(91.0, 0.0).is_err());
/// ```
pub fn map_key(lat: f64, lon: f64) -> Result<Option<MapKey>, Error> {
    if !check_position(lat, lon)? {
        return Ok(None);
    }
    let p = [lat as f32, lon as f32];
    Ok(Some(MapKey {
        cell: cell_of(p, FINE_RESOLUTION),
        vector: to_fixed(unit_vector(f64::from(p[0]), f64::from(p[1]))),
    }))
}

/// Lat/lon of the spherical centroid of a sum of [`MapKey::vector`]s (as [`Cluster`] has it);
/// `None` for a zero sum.
pub fn centroid(sum: [i64; 3]) -> Option<(f64, f64)> {
    direction(sum)
}

/// `(and, or)` masks that turn a cell at [`FINE_RESOLUTION`] into its ancestor at `res`
/// (`cell & and | or`, bit arithmetic a database can do), as the index groups points; `None`
/// above the fine resolution.
///
/// ```
/// let k = albumen_geo::map_key(48.8584, 2.2945).unwrap().unwrap();
/// let (and, or) = albumen_geo::ancestor_masks(5).unwrap();
/// let cell = h3o::CellIndex::try_from(k.cell & and | or).unwrap();
/// assert_eq!(u8::from(cell.resolution()), 5);
/// let (lo, hi) = albumen_geo::fine_range(u64::from(cell)).unwrap();
/// assert!(lo <= k.cell && k.cell <= hi);
/// ```
pub fn ancestor_masks(res: u8) -> Option<(u64, u64)> {
    let fine = u8::from(FINE_RESOLUTION);
    if res > fine {
        return None;
    }
    let or = (u64::from(res) << RES_SHIFT)
        | if res < fine {
            digits_mask(res + 1, fine)
        } else {
            0
        };
    Some((!RES_MASK, or))
}

/// The first and last [`FINE_RESOLUTION`] cell ids that descend from `cell` (one contiguous
/// run); `None` if `cell` is not a valid H3 cell or is finer than the fine resolution.
pub fn fine_range(cell: u64) -> Option<(u64, u64)> {
    let c = CellIndex::try_from(cell).ok()?;
    let res = u8::from(c.resolution());
    let fine = u8::from(FINE_RESOLUTION);
    (res <= fine).then(|| descendant_range(cell, res, fine))
}

/// Builder for [`ClusterIndex`].
#[derive(Debug, Clone, Copy)]
pub struct ClusterIndexBuilder {
    resolution: Resolution,
}

impl Default for ClusterIndexBuilder {
    fn default() -> Self {
        ClusterIndexBuilder {
            resolution: FINE_RESOLUTION,
        }
    }
}

impl ClusterIndexBuilder {
    /// A builder with the default fine resolution (13, ~3.5 m edge; zoom 20 needs 13).
    pub fn new() -> Self {
        Self::default()
    }

    /// The fine resolution at which points are indexed; zooms that would need a finer one are
    /// answered at this one.
    pub fn resolution(mut self, r: Resolution) -> Self {
        self.resolution = r;
        self
    }

    /// An empty index.
    pub fn empty(self) -> ClusterIndex {
        ClusterIndex {
            fine: self.resolution,
            cells: Vec::new(),
            ids: Vec::new(),
            prefix: vec![[0; 3]],
            added: BTreeSet::new(),
            removed: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    /// Builds an index of `points` (lat, lon in degrees) in parallel; item `i` is `points[i]`.
    /// (0, 0) is taken as missing (not indexed); a position out of range is an error.
    pub fn build(self, points: &[(f64, f64)]) -> Result<ClusterIndex, Error> {
        if points.len() >= u32::MAX as usize {
            return Err(Error::IndexFull);
        }
        let fine = self.resolution;
        let mut idx = self.empty();
        // Validate and quantise (cheap), then key by fine cell (the h3o call is ~2/3 of the
        // build), sort, and lay out the columns; every pass but the prefix sum is parallel.
        idx.slots = points
            .par_iter()
            .map(|&(lat, lon)| {
                Ok(if check_position(lat, lon)? {
                    [lat as f32, lon as f32]
                } else {
                    [f32::NAN; 2]
                })
            })
            .collect::<Result<_, Error>>()?;
        idx.free = (0..idx.slots.len())
            .rev()
            .filter(|&i| idx.slots[i][0].is_nan())
            .map(|i| i as u32)
            .collect();
        // i < u32::MAX checked above.
        let mut entries: Vec<(u64, u32)> = idx
            .slots
            .par_iter()
            .enumerate()
            .filter(|(_, p)| !p[0].is_nan())
            .map(|(i, &p)| (cell_of(p, fine), i as u32))
            .collect();
        entries.par_sort_unstable();
        idx.live = entries.len();
        type Columns = (Vec<u64>, (Vec<u32>, Vec<[i64; 3]>));
        let (cells, (ids, vectors)): Columns = entries
            .par_iter()
            .map(|&(c, id)| (c, (id, idx.fixed_of(id))))
            .unzip();
        drop(entries);
        idx.cells = cells;
        idx.ids = ids;
        idx.prefix = Vec::with_capacity(vectors.len() + 1);
        let mut acc = [0i64; 3];
        idx.prefix.push(acc);
        for v in vectors {
            add3(&mut acc, v);
            idx.prefix.push(acc);
        }
        Ok(idx)
    }
}

fn cell_of(p: [f32; 2], fine: Resolution) -> u64 {
    // p was validated in range, so LatLng::new cannot fail; fall back to (0, 0) defensively.
    let ll = LatLng::new(f64::from(p[0]), f64::from(p[1])).or_else(|_| LatLng::new(0.0, 0.0));
    ll.map_or(0, |ll| u64::from(ll.to_cell(fine)))
}

/// Clusters of points at every web-map zoom, from an H3 index. See the module docs for the
/// layout.
///
/// ```
/// use albumen_geo::{Bbox, ClusterIndex};
/// let points = [(48.8584, 2.2945), (48.8606, 2.3376), (51.5007, -0.1246), (0.0, 0.0)];
/// let mut index = ClusterIndex::build(&points).unwrap();
/// // At zoom 3 the two Paris points are one cluster; (0, 0) is "missing", not a point.
/// let mut clusters = index.clusters(Bbox::WORLD, 3).unwrap();
/// clusters.sort_by_key(|c| c.count);
/// assert_eq!(clusters.iter().map(|c| c.count).collect::<Vec<_>>(), [1, 2]);
/// // Incremental: no rebuild.
/// let id = index.insert(48.853, 2.3499).unwrap().unwrap();
/// assert_eq!(index.len(), 4);
/// assert!(index.remove(id));
/// ```
#[derive(Debug, Clone)]
pub struct ClusterIndex {
    fine: Resolution,
    /// Sorted `(cells[i], ids[i])`.
    cells: Vec<u64>,
    ids: Vec<u32>,
    /// `prefix[i]` = sum of the fixed-point unit vectors of entries `..i`.
    prefix: Vec<[i64; 3]>,
    /// Inserted since the last merge.
    added: BTreeSet<(u64, u32)>,
    /// Entries of the array removed since the last merge, with their vectors.
    removed: BTreeMap<(u64, u32), [i64; 3]>,
    /// Position of each item id (f32 lat, lon); NaN for a free id.
    slots: Vec<[f32; 2]>,
    free: Vec<u32>,
    live: usize,
}

impl Default for ClusterIndex {
    fn default() -> Self {
        ClusterIndexBuilder::default().empty()
    }
}

impl ClusterIndex {
    /// An empty index with the default resolution.
    pub fn new() -> Self {
        Self::default()
    }

    /// [`ClusterIndexBuilder::build`] with the default resolution.
    pub fn build(points: &[(f64, f64)]) -> Result<Self, Error> {
        ClusterIndexBuilder::default().build(points)
    }

    /// Number of live items.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The fine resolution of the index.
    pub fn resolution(&self) -> Resolution {
        self.fine
    }

    /// Position of an item (as stored: f32, ~1 m).
    pub fn position(&self, id: ItemId) -> Option<(f64, f64)> {
        let p = self.slots.get(id as usize)?;
        (!p[0].is_nan()).then(|| (f64::from(p[0]), f64::from(p[1])))
    }

    fn fixed_of(&self, id: u32) -> [i64; 3] {
        match self.slots.get(id as usize) {
            Some(p) if !p[0].is_nan() => to_fixed(unit_vector(f64::from(p[0]), f64::from(p[1]))),
            _ => [0; 3],
        }
    }

    /// Adds a point. `Ok(None)` for (0, 0) null island (missing, not indexed); error when out
    /// of range or when 2^32 - 1 items exist.
    pub fn insert(&mut self, lat: f64, lon: f64) -> Result<Option<ItemId>, Error> {
        if !check_position(lat, lon)? {
            return Ok(None);
        }
        let p = [lat as f32, lon as f32];
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = u32::try_from(self.slots.len()).map_err(|_| Error::IndexFull)?;
                if id == u32::MAX {
                    return Err(Error::IndexFull);
                }
                self.slots.push([f32::NAN; 2]);
                id
            }
        };
        if let Some(slot) = self.slots.get_mut(id as usize) {
            *slot = p;
        }
        self.added.insert((cell_of(p, self.fine), id));
        self.live += 1;
        self.maybe_merge();
        Ok(Some(id))
    }

    /// Removes an item; `false` if there is no such live item. Its id may be reused.
    pub fn remove(&mut self, id: ItemId) -> bool {
        let Some((lat, lon)) = self.position(id) else {
            return false;
        };
        let key = (cell_of([lat as f32, lon as f32], self.fine), id);
        if !self.added.remove(&key) {
            let v = self.fixed_of(id);
            self.removed.insert(key, v);
        }
        if let Some(slot) = self.slots.get_mut(id as usize) {
            *slot = [f32::NAN; 2];
        }
        self.free.push(id);
        self.live -= 1;
        self.maybe_merge();
        true
    }

    fn maybe_merge(&mut self) {
        let pending = self.added.len() + self.removed.len();
        if pending > (self.cells.len() / 8).max(4096) {
            self.merge();
        }
    }

    /// Folds pending inserts and removals into the sorted array (one linear pass; done
    /// automatically when they grow past 1/8 of the array).
    pub fn merge(&mut self) {
        if self.added.is_empty() && self.removed.is_empty() {
            return;
        }
        let n = self.cells.len() + self.added.len() - self.removed.len().min(self.cells.len());
        let mut cells = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut prefix = Vec::with_capacity(n + 1);
        let mut acc = [0i64; 3];
        prefix.push(acc);
        let mut added = std::mem::take(&mut self.added).into_iter().peekable();
        let removed = std::mem::take(&mut self.removed);
        let mut push = |c: u64, id: u32, v: [i64; 3]| {
            cells.push(c);
            ids.push(id);
            add3(&mut acc, v);
            prefix.push(acc);
        };
        for i in 0..self.cells.len() {
            let key = (self.cells[i], self.ids[i]);
            while let Some(&a) = added.peek() {
                if a > key {
                    break;
                }
                push(a.0, a.1, self.fixed_of(a.1));
                added.next();
            }
            if removed.contains_key(&key) {
                continue;
            }
            let mut v = self.prefix[i + 1];
            sub3(&mut v, self.prefix[i]);
            push(key.0, key.1, v);
        }
        for a in added {
            push(a.0, a.1, self.fixed_of(a.1));
        }
        self.cells = cells;
        self.ids = ids;
        self.prefix = prefix;
    }

    /// Approximate heap bytes held by the index.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.cells.capacity() * size_of::<u64>()
            + self.ids.capacity() * size_of::<u32>()
            + self.prefix.capacity() * size_of::<[i64; 3]>()
            + self.slots.capacity() * size_of::<[f32; 2]>()
            + self.free.capacity() * size_of::<u32>()
            // B-tree nodes: about 1.5x the payload
            + self.added.len() * 18
            + self.removed.len() * 54
    }

    /// The clusters whose centroid is inside `bbox` at web-map `zoom` (0..=20).
    pub fn clusters(&self, bbox: Bbox, zoom: u8) -> Result<Vec<Cluster>, Error> {
        let r = resolution_for_zoom(zoom)?;
        let r = if r > self.fine { self.fine } else { r };
        let mut out = Vec::new();
        for base in CellIndex::base_cells() {
            self.visit(base, u8::from(r), &bbox, &mut out);
        }
        Ok(out)
    }

    /// [`ClusterIndex::clusters`], then each cluster (largest first) absorbs the clusters of
    /// its neighbouring H3 cells whose centroid is within the zoom's 60-pixel cluster radius
    /// (geodesic distance, in ground metres at that latitude): a group of photos astride a cell
    /// edge becomes one marker instead of two overlapping ones. One pass, no chains; the
    /// absorbing cluster keeps its cell and representative, its centroid becomes the weighted
    /// spherical mean.
    pub fn clusters_merged(&self, bbox: Bbox, zoom: u8) -> Result<Vec<Cluster>, Error> {
        let raw = self.clusters(bbox, zoom)?;
        let by_cell: std::collections::HashMap<CellIndex, usize> =
            raw.iter().enumerate().map(|(i, c)| (c.cell, i)).collect();
        let mut order: Vec<usize> = (0..raw.len()).collect();
        order.sort_by(|&a, &b| raw[b].count.cmp(&raw[a].count).then(a.cmp(&b)));
        let mut absorbed = vec![false; raw.len()];
        let mut out = Vec::with_capacity(raw.len());
        let equator_px_m = 40_075_016.686 / f64::from(1u32 << zoom.min(20)) / 256.0;
        for i in order {
            if absorbed[i] {
                continue;
            }
            absorbed[i] = true;
            let mut c = raw[i].clone();
            let radius_m = 60.0 * equator_px_m * c.lat.to_radians().cos().max(0.01);
            let weight = |c: &Cluster| {
                let v = unit_vector(c.lat, c.lon);
                let n = c.count as f64;
                [v[0] * n, v[1] * n, v[2] * n]
            };
            let mut sum = weight(&c);
            let mut merged = false;
            for nb in c.cell.grid_disk_safe(1) {
                let Some(&j) = by_cell.get(&nb) else { continue };
                if absorbed[j] {
                    continue;
                }
                let o = &raw[j];
                if crate::places::distance_m((c.lat, c.lon), (o.lat, o.lon)) <= radius_m {
                    absorbed[j] = true;
                    let w = weight(o);
                    for k in 0..3 {
                        sum[k] += w[k];
                    }
                    c.count += o.count;
                    merged = true;
                }
            }
            if merged {
                let n = (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]).sqrt();
                if n > 0.0 {
                    c.lat = (sum[2] / n).clamp(-1.0, 1.0).asin().to_degrees();
                    c.lon = sum[1].atan2(sum[0]).to_degrees();
                }
            }
            out.push(c);
        }
        Ok(out)
    }

    fn main_range(&self, lo: u64, hi: u64) -> (usize, usize) {
        let a = self.cells.partition_point(|&c| c < lo);
        let b = a + self
            .cells
            .get(a..)
            .map_or(0, |s| s.partition_point(|&c| c <= hi));
        (a, b)
    }

    fn visit(&self, cell: CellIndex, r: u8, bbox: &Bbox, out: &mut Vec<Cluster>) {
        let res = u8::from(cell.resolution());
        let fine = u8::from(self.fine);
        let (lo, hi) = descendant_range(u64::from(cell), res, fine);
        let (a, b) = self.main_range(lo, hi);
        let has_added = self.added.range((lo, 0)..=(hi, u32::MAX)).next().is_some();
        if a == b && !has_added {
            return;
        }
        if res >= r {
            if let Some(c) = self.cluster_of(u64::from(cell), res, a, b) {
                if bbox.contains(c.lat, c.lon) {
                    out.push(c);
                }
            }
            return;
        }
        // A small run is cheaper to group directly (clusters outside the box are dropped by
        // the centroid test) than to descend through cell boxes, which cost an h3o boundary
        // each: this bounds the work of deep zooms by the points in view, not the cells.
        if b - a <= SMALL_RUN {
            self.scan(lo, hi, a, b, r, bbox, out);
            return;
        }
        match bbox.relation(&cell_box(cell)) {
            Relation::Disjoint => {}
            Relation::Inside => self.scan(lo, hi, a, b, r, bbox, out),
            Relation::Partial => {
                if let Ok(child_res) = Resolution::try_from(res + 1) {
                    for child in cell.children(child_res) {
                        self.visit(child, r, bbox, out);
                    }
                }
            }
        }
    }

    /// The clusters at resolution `r` of the entries in `[lo, hi]` (main slice `a..b`).
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        lo: u64,
        hi: u64,
        a: usize,
        b: usize,
        r: u8,
        bbox: &Bbox,
        out: &mut Vec<Cluster>,
    ) {
        let fine = u8::from(self.fine);
        let mut i = a;
        let mut added = self.added.range((lo, 0)..=(hi, u32::MAX)).peekable();
        loop {
            let from_main = self
                .cells
                .get(i)
                .filter(|_| i < b)
                .map(|&c| ancestor(c, r, fine));
            let from_added = added.peek().map(|&&(c, _)| ancestor(c, r, fine));
            let key = match (from_main, from_added) {
                (Some(m), Some(d)) => m.min(d),
                (Some(m), None) => m,
                (None, Some(d)) => d,
                (None, None) => break,
            };
            let (_, last) = descendant_range(key, r, fine);
            let j = gallop(&self.cells, i, b, last);
            while added.next_if(|&&(c, _)| c <= last).is_some() {}
            if let Some(c) = self.cluster_of(key, r, i, j) {
                if bbox.contains(c.lat, c.lon) {
                    out.push(c);
                }
            }
            i = j;
        }
    }

    /// The cluster of cell `key` (resolution `res`) whose main entries are `a..b`.
    fn cluster_of(&self, key: u64, res: u8, a: usize, b: usize) -> Option<Cluster> {
        let fine = u8::from(self.fine);
        let (lo, hi) = descendant_range(key, res, fine);
        let mut sum = *self.prefix.get(b)?;
        sub3(&mut sum, *self.prefix.get(a)?);
        let mut count = (b - a) as u64;
        let mut rep: Option<(u64, u32)> = None;
        if !self.removed.is_empty() {
            for (_, v) in self.removed.range((lo, 0)..=(hi, u32::MAX)) {
                sub3(&mut sum, *v);
                count = count.saturating_sub(1);
            }
            rep = (a..b)
                .map(|k| (self.cells[k], self.ids[k]))
                .find(|key| !self.removed.contains_key(key));
        } else if a < b {
            rep = Some((self.cells[a], self.ids[a]));
        }
        for &(c, id) in self.added.range((lo, 0)..=(hi, u32::MAX)) {
            add3(&mut sum, self.fixed_of(id));
            count += 1;
            if rep.is_none_or(|r| (c, id) < r) {
                rep = Some((c, id));
            }
        }
        let rep = rep?;
        if count == 0 {
            return None;
        }
        let (lat, lon) = direction(sum)?;
        Some(Cluster {
            cell: CellIndex::try_from(key).ok()?,
            count,
            representative: rep.1,
            lat,
            lon,
        })
    }
}

/// First index in `i..b` whose cell is > `last` (`b` if none), galloping from `i`: O(log run).
fn gallop(cells: &[u64], i: usize, b: usize, last: u64) -> usize {
    let mut step = 1usize;
    let mut lo = i;
    loop {
        let probe = lo.saturating_add(step).min(b);
        match cells.get(probe) {
            Some(&c) if probe < b && c <= last => {
                lo = probe;
                step = step.saturating_mul(2);
            }
            _ => {
                let end = probe.min(b);
                let start = lo.min(end);
                return start
                    + cells
                        .get(start..end)
                        .map_or(0, |s| s.partition_point(|&c| c <= last));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::distance_m;

    fn brute(points: &[(f64, f64)], bbox: Bbox, zoom: u8) -> Vec<(u64, u64)> {
        let r = resolution_for_zoom(zoom).unwrap().min(Resolution::Thirteen);
        let mut m: BTreeMap<u64, (u64, [i64; 3])> = BTreeMap::new();
        for &(lat, lon) in points {
            if lat == 0.0 && lon == 0.0 {
                continue;
            }
            let p = [lat as f32, lon as f32];
            // Clusters follow the H3 hierarchy: the ancestor of the point's fine cell (H3 cells
            // do not nest exactly, so this can differ from the point's own cell at `r`).
            let c = LatLng::new(f64::from(p[0]), f64::from(p[1]))
                .unwrap()
                .to_cell(Resolution::Thirteen)
                .parent(r)
                .unwrap();
            let e = m.entry(u64::from(c)).or_insert((0, [0; 3]));
            e.0 += 1;
            add3(
                &mut e.1,
                to_fixed(unit_vector(f64::from(p[0]), f64::from(p[1]))),
            );
        }
        m.into_iter()
            .filter(|(_, (_, s))| {
                let (lat, lon) = direction(*s).unwrap();
                bbox.contains(lat, lon)
            })
            .map(|(c, (n, _))| (c, n))
            .collect()
    }

    fn got(idx: &ClusterIndex, bbox: Bbox, zoom: u8) -> Vec<(u64, u64)> {
        let mut v: Vec<_> = idx
            .clusters(bbox, zoom)
            .unwrap()
            .into_iter()
            .map(|c| (u64::from(c.cell), c.count))
            .collect();
        v.sort();
        v
    }

    fn pseudo_points(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut s = seed;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| match i % 4 {
                // dense city, antimeridian, poles, anywhere
                0 => (48.85 + next() * 0.05, 2.3 + next() * 0.05),
                1 => (
                    -17.0 + next() * 2.0,
                    if next() < 0.5 {
                        179.5 + next() * 0.5
                    } else {
                        -180.0 + next() * 0.5
                    },
                ),
                2 => (
                    if next() < 0.5 {
                        89.9 + next() * 0.1
                    } else {
                        -90.0 + next() * 0.1
                    },
                    next() * 360.0 - 180.0,
                ),
                _ => (next() * 180.0 - 90.0, next() * 360.0 - 180.0),
            })
            .collect()
    }

    #[test]
    fn matches_brute_force_at_every_zoom_and_box() {
        let pts = pseudo_points(4000, 7);
        let idx = ClusterIndex::build(&pts).unwrap();
        let boxes = [
            Bbox::WORLD,
            Bbox::new(2.25, 48.8, 2.4, 48.9).unwrap(),
            Bbox::new(179.0, -18.0, -179.0, -15.0).unwrap(), // across the antimeridian
            Bbox::new(-180.0, 85.0, 180.0, 90.0).unwrap(),   // north pole
            Bbox::new(-10.0, -90.0, 10.0, -80.0).unwrap(),   // south pole sector
            Bbox::new(-30.0, -40.0, 60.0, 40.0).unwrap(),
        ];
        for bbox in boxes {
            for zoom in [0, 1, 3, 5, 8, 11, 14, 17, 20] {
                assert_eq!(
                    got(&idx, bbox, zoom),
                    brute(&pts, bbox, zoom),
                    "{bbox:?} z{zoom}"
                );
            }
        }
    }

    #[test]
    fn incremental_equals_rebuild() {
        let pts = pseudo_points(3000, 11);
        let mut idx = ClusterIndex::build(&pts[..1000]).unwrap();
        let mut live: Vec<(u32, (f64, f64))> = (0..1000u32).map(|i| (i, pts[i as usize])).collect();
        for (k, &p) in pts[1000..].iter().enumerate() {
            let id = idx.insert(p.0, p.1).unwrap().unwrap();
            live.push((id, p));
            if k % 3 == 0 {
                let (id, _) = live.swap_remove(k % live.len());
                assert!(idx.remove(id));
                assert!(!idx.remove(id));
            }
        }
        assert_eq!(idx.len(), live.len());
        let only: Vec<(f64, f64)> = live.iter().map(|l| l.1).collect();
        for zoom in [0, 4, 9, 13, 20] {
            for bbox in [Bbox::WORLD, Bbox::new(170.0, -20.0, -170.0, 0.0).unwrap()] {
                assert_eq!(got(&idx, bbox, zoom), brute(&only, bbox, zoom));
            }
        }
        // Representatives are live items of their cluster.
        for c in idx.clusters(Bbox::WORLD, 6).unwrap() {
            let (lat, lon) = idx.position(c.representative).unwrap();
            let cell = LatLng::new(lat, lon)
                .unwrap()
                .to_cell(Resolution::Thirteen)
                .parent(c.cell.resolution())
                .unwrap();
            assert_eq!(cell, c.cell);
        }
        // After merge: same answers.
        let before = got(&idx, Bbox::WORLD, 9);
        idx.merge();
        assert_eq!(got(&idx, Bbox::WORLD, 9), before);
    }

    #[test]
    fn null_island_missing_and_out_of_range_errors() {
        let mut idx = ClusterIndex::build(&[(0.0, 0.0), (10.0, 10.0)]).unwrap();
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.position(0), None);
        assert!(ClusterIndex::build(&[(91.0, 0.0)]).is_err());
        assert!(ClusterIndex::build(&[(f64::NAN, 0.0)]).is_err());
        assert!(idx.insert(0.0, 181.0).is_err());
        assert_eq!(idx.insert(0.0, 0.0).unwrap(), None);
        assert!(Bbox::new(0.0, 10.0, 1.0, 5.0).is_err());
        assert!(idx.clusters(Bbox::WORLD, 21).is_err());
    }

    #[test]
    fn centroid_across_antimeridian_is_on_it() {
        let idx = ClusterIndex::build(&[(-17.0, 179.9), (-17.0, -179.9)]).unwrap();
        let c = idx.clusters(Bbox::WORLD, 0).unwrap();
        // Both points may fall in different base cells; at least check each centroid is near.
        for c in c {
            assert!(c.lon.abs() > 179.8, "{c:?}");
        }
        let d = distance_m((-17.0, 179.9), (-17.0, -179.9));
        assert!((d - 21_270.0).abs() < 200.0, "{d}");
    }

    #[test]
    fn merged_joins_pairs_astride_cell_edges() {
        let pts = pseudo_points(400, 3);
        let (mut split, mut merged_split) = (0, 0);
        for &(lat, lon) in &pts {
            let lat = lat.clamp(-80.0, 80.0);
            // Two photos 5 m apart.
            let pair = [(lat, lon), (lat + 0.000045, lon)];
            let idx = ClusterIndex::build(&pair).unwrap();
            for zoom in [6, 12, 16] {
                split += usize::from(idx.clusters(Bbox::WORLD, zoom).unwrap().len() > 1);
                let m = idx.clusters_merged(Bbox::WORLD, zoom).unwrap();
                merged_split += usize::from(m.len() > 1);
                assert_eq!(m.iter().map(|c| c.count).sum::<u64>(), 2);
            }
        }
        assert!(split > 0, "the test should meet cell edges");
        assert_eq!(merged_split, 0);
    }

    #[test]
    fn zoom_table() {
        assert_eq!(resolution_for_zoom(0).unwrap(), Resolution::Zero);
        assert_eq!(resolution_for_zoom(20).unwrap(), Resolution::Thirteen);
        let mut prev = Resolution::Zero;
        for z in 0..=20 {
            let r = resolution_for_zoom(z).unwrap();
            assert!(r >= prev);
            prev = r;
        }
    }
}
