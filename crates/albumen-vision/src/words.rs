//! Search words for what the classifier ([`crate::classify`]) sees, in English and Chinese.
//!
//! `data/imagenet-words.tsv` gives each of ImageNet's 1,000 classes the words a family would
//! search for (the 118 dog breeds give `dog`; sports car, convertible, racer, cab, Model T and
//! go-kart give `car`; seashore and sandbar give `beach` and `sea`; alp, valley and volcano give
//! `mountain`), and `data/words.tsv` each word's Simplified Chinese. Both are written by hand
//! for albumen. A word's score is the sum of the probabilities of the classes giving it, so 30
//! dog breeds at 2 % each still make a sure `dog`; words scoring at least [`MIN_SCORE`] become
//! tags. A few scene words that ImageNet has no class for are read from the classes their
//! pictures come with (`tree` from worm fence, lakeside, park bench, valley…, a fraction of
//! each) and have a lower threshold of their own (the third column of `words.tsv`).

use std::sync::OnceLock;

use crate::{Source, Tag};

/// Words scoring lower are dropped. Chosen on the labelled corpus photos
/// (`tests/data/labels.tsv`): see BENCHMARKS.md.
pub const MIN_SCORE: f32 = 0.3;
/// The classifier is sure a picture shows an animal when its `animal` word scores this much
/// (see [`crate::tags::from_scores`]).
pub const ANIMAL_SURE: f32 = 0.5;

const CLASS_WORDS: &str = include_str!("../data/imagenet-words.tsv");
const WORDS: &str = include_str!("../data/words.tsv");

/// The vocabulary: each word's English and Chinese, each word's threshold, and each class's
/// words (indexes into it).
#[derive(Debug)]
struct Vocabulary {
    words: Vec<(&'static str, &'static str)>,
    min_score: Vec<f32>,
    classes: Vec<Vec<(u16, f32)>>,
}

fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        let mut words: Vec<(&str, &str)> = Vec::new();
        let mut min_score = Vec::new();
        for l in lines(WORDS) {
            let mut f = l.split('\t');
            let (Some(en), Some(zh)) = (f.next(), f.next()) else {
                continue;
            };
            words.push((en, zh));
            let own = f.next().and_then(|t| t.trim().parse::<f32>().ok());
            min_score.push(own.filter(|t| t.is_finite()).unwrap_or(MIN_SCORE));
        }
        let mut classes = vec![Vec::new(); crate::classify::CLASSES];
        for l in lines(CLASS_WORDS) {
            let mut f = l.split('\t');
            let (Some(i), Some(_name), Some(ws)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Some(c) = i.parse::<usize>().ok().and_then(|i| classes.get_mut(i)) else {
                continue;
            };
            for w in ws.split(',').filter(|w| !w.is_empty()) {
                let (w, weight) = match w.split_once(':') {
                    Some((w, f)) => (w, f.parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0)),
                    None => (w, 1.0),
                };
                if let Some(k) = words.iter().position(|(en, _)| *en == w) {
                    c.push((k as u16, weight));
                }
            }
        }
        Vocabulary {
            words,
            min_score,
            classes,
        }
    })
}

/// Every search word: (English, Simplified Chinese).
pub fn all() -> &'static [(&'static str, &'static str)] {
    &vocabulary().words
}

/// The words of ImageNet class `class`, in English.
///
/// ```
/// assert_eq!(albumen_vision::words::of_class(1), ["fish", "animal", "goldfish"]);
/// assert_eq!(albumen_vision::words::of_class(978), ["beach", "sea"]);
/// ```
pub fn of_class(class: usize) -> Vec<&'static str> {
    let v = vocabulary();
    v.classes
        .get(class)
        .map(|ws| ws.iter().map(|&(k, _)| v.words[k as usize].0).collect())
        .unwrap_or_default()
}

/// The Chinese of a search word.
///
/// ```
/// assert_eq!(albumen_vision::words::chinese("beach"), Some("海滩"));
/// assert_eq!(albumen_vision::words::chinese("tench"), None);
/// ```
pub fn chinese(word: &str) -> Option<&'static str> {
    all().iter().find(|(en, _)| *en == word).map(|(_, zh)| *zh)
}

/// The words whose summed class probabilities (`probs`, one per ImageNet class) reach
/// [`MIN_SCORE`] (or the word's own threshold), best first.
pub fn tags(probs: &[f32]) -> Vec<Tag> {
    let v = vocabulary();
    let mut score = vec![0f32; v.words.len()];
    for (p, ws) in probs.iter().zip(&v.classes) {
        if !p.is_finite() {
            continue;
        }
        for &(k, weight) in ws {
            score[k as usize] += p * weight;
        }
    }
    let mut out: Vec<Tag> = score
        .iter()
        .zip(&v.words)
        .zip(&v.min_score)
        .filter(|((s, _), min)| **s >= **min)
        .map(|((s, (en, zh)), _)| Tag {
            label: en.to_string(),
            label_zh: zh.to_string(),
            score: s.min(1.0),
            source: Source::Imagenet,
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_word_has_chinese_and_the_tables_are_whole() {
        let v = vocabulary();
        assert!(v.words.len() > 150);
        assert!(v
            .words
            .iter()
            .all(|(en, zh)| !en.is_empty() && !zh.is_empty()));
        // Every word named in the class table is in the word table (a typo would vanish).
        let named: usize = lines(CLASS_WORDS)
            .filter_map(|l| l.split('\t').nth(2))
            .map(|ws| ws.split(',').filter(|w| !w.is_empty()).count())
            .sum();
        let found: usize = v.classes.iter().map(Vec::len).sum();
        assert_eq!(named, found);
        assert_eq!(lines(CLASS_WORDS).count(), crate::classify::CLASSES);
        for w in [
            "car", "flower", "fish", "beach", "lake", "mountain", "snow", "boat", "bird", "dog",
            "cat", "food", "tree", "sea", "flower", "person", "building", "bridge",
        ] {
            assert!(chinese(w).is_some(), "{w}");
        }
        assert!(v.min_score.iter().all(|t| (0.05..=1.0).contains(t)));
    }

    /// Search is by substring (`albumen-index`): a common word found inside another word's
    /// English or Chinese would find that other thing too (`dog` in `hot dog`, 猫 in 熊猫).
    /// Only kinds of the word may contain it.
    #[test]
    fn common_words_are_not_inside_other_words() {
        let kinds = [
            ("boat", "sailboat"),
            ("船", "帆船"),
            ("fish", "goldfish"),
            ("fish", "jellyfish"),
            ("鱼", "金鱼"),
            ("鱼", "鲨鱼"),
            ("鸟", "火烈鸟"),
            ("山", "火山"),
            ("山", "山谷"),
            ("雪", "滑雪"),
            ("花", "花园"),
            ("花", "花瓶"),
            ("花", "西兰花"),
            ("snow", "snowboard"),
            ("雪", "滑雪板"),
            ("雪", "单板滑雪板"),
            // Not kinds, but the only names: a crocodile and a panda in Chinese, a carrot.
            ("鱼", "鳄鱼"),
            ("猫", "熊猫"),
            ("car", "carrot"),
        ];
        let all_labels: Vec<(&str, &str)> = all()
            .iter()
            .copied()
            .chain(crate::tags::LABELS.iter().copied())
            .collect();
        for common in [
            "car", "flower", "fish", "beach", "lake", "mountain", "snow", "boat", "bird", "dog",
            "cat", "food", "tree",
        ] {
            let zh = chinese(common).unwrap_or_default();
            for (en2, zh2) in &all_labels {
                for (w, other) in [(common, *en2), (zh, *zh2)] {
                    if w != other && other.contains(w) {
                        assert!(kinds.contains(&(w, other)), "{w} is inside {other}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_tree_is_read_from_the_classes_of_its_scenes() {
        let mut probs = vec![0f32; crate::classify::CLASSES];
        probs[912] = 0.25; // worm fence: under MIN_SCORE, over tree's own threshold
        let t = tags(&probs);
        let tree = t.iter().find(|t| t.label == "tree").expect("tree");
        assert_eq!(tree.label_zh, "树");
        assert!(!t.iter().any(|t| t.label == "fence"), "{t:?}");
    }

    #[test]
    fn a_bee_counts_towards_a_flower() {
        // The classifier's "bee" is mostly a flower close-up (the cyclamen): 0.6 of it counts
        // towards a flower, 0.7 towards an insect.
        let mut probs = vec![0f32; crate::classify::CLASSES];
        probs[309] = 0.4; // bee
        probs[984] = 0.1; // rapeseed
        let t = tags(&probs);
        let flower = t.iter().find(|t| t.label == "flower").expect("flower");
        assert!((flower.score - 0.34).abs() < 1e-4, "{}", flower.score);
        assert!(!t.iter().any(|t| t.label == "insect"), "{t:?}");
        assert!(of_class(309).contains(&"flower"));
    }

    #[test]
    fn breeds_add_up_to_a_dog() {
        let mut probs = vec![0f32; crate::classify::CLASSES];
        for p in probs.iter_mut().take(269).skip(151).step_by(4) {
            *p = 0.02; // 30 breeds at 2 %
        }
        probs[817] = 0.1; // a sports car, under the threshold
        let t = tags(&probs);
        let mut labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        labels.sort_unstable();
        assert_eq!(labels, ["animal", "dog"]);
        let dog = t.iter().find(|t| t.label == "dog").expect("dog");
        assert_eq!(dog.label_zh, "狗");
        assert!((dog.score - 0.6).abs() < 1e-4);
    }
}
