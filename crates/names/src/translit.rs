//! Transliteration of Ukrainian (and Russian) Cyrillic, and the coarse spelling keys used to
//! match the many ways a place name is written.
//!
//! * [`ukrainian_to_latin`]: the official national system (Cabinet of Ministers of Ukraine
//!   resolution No. 55 of 27 January 2010): Куп’янськ → Kupiansk, Згурівка → Zghurivka,
//!   Єрмаки → Yermaky (word-initial Є/Ї/Й/Ю/Я take the Y- forms).
//! * [`coarse_key`]: folds any spelling — Ukrainian or Russian Cyrillic, KMU-2010, BGN/PCGN,
//!   ISO 9 / scientific (Kup'jans'k), German or Polish renderings (Kupjansk, Wuslowyj) — to
//!   one key, so that Kupiansk, Kupyansk, Kupjansk, Куп'янськ and Купянск all meet.

use unicode_normalization::UnicodeNormalization;

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`' | '‘' | 'ʹ' | '"' | '”' | '“' | '´')
}

/// KMU-2010 transliteration of a Ukrainian name.
///
/// ```
/// use evac_names::translit::ukrainian_to_latin;
/// assert_eq!(ukrainian_to_latin("Куп’янськ-Вузловий"), "Kupiansk-Vuzlovyi");
/// assert_eq!(ukrainian_to_latin("Згурівка"), "Zghurivka");
/// assert_eq!(ukrainian_to_latin("Щербанівка"), "Shcherbanivka");
/// assert_eq!(ukrainian_to_latin("Ярова"), "Yarova");
/// assert_eq!(ukrainian_to_latin("Мар'їнка"), "Marinka");
/// ```
pub fn ukrainian_to_latin(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if is_apostrophe(c) && i > 0 && chars[i - 1].is_alphabetic() {
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let word_start = i == 0 || !chars[i - 1].is_alphabetic() && !is_apostrophe(chars[i - 1]);
        let prev_lower = if i > 0 { chars[i - 1].to_lowercase().next() } else { None };
        let latin: &str = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' if prev_lower == Some('з') => "gh",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' if word_start => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' if word_start => "yi",
            'ї' => "i",
            'й' if word_start => "y",
            'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' => "",
            'ю' if word_start => "yu",
            'ю' => "iu",
            'я' if word_start => "ya",
            'я' => "ia",
            // Russian letters that appear in older names.
            'ы' => "y",
            'э' => "e",
            'ё' => "yo",
            'ъ' => "",
            _ => {
                out.push(c);
                continue;
            }
        };
        if c.is_uppercase() {
            let mut it = latin.chars();
            if let Some(first) = it.next() {
                out.extend(first.to_uppercase());
                out.push_str(it.as_str());
            }
        } else {
            out.push_str(latin);
        }
    }
    out
}

/// Does the text contain Cyrillic letters?
pub fn is_cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// The coarse key of a spelling: transliterated, lower-case ASCII, digraphs folded,
/// i/y/j merged, doubled letters collapsed, an `i` before a vowel dropped.
///
/// ```
/// use evac_names::translit::coarse_key;
/// let k = coarse_key("Kupiansk");
/// for spelling in ["Kupyansk", "Kupjansk", "Kup'jans'k", "Куп’янськ", "Купянск", "KUPIANSK"] {
///     assert_eq!(coarse_key(spelling), k, "{spelling}");
/// }
/// assert_eq!(coarse_key("Velykyi Burluk"), coarse_key("Velikiy Burluk"));
/// ```
pub fn coarse_key(text: &str) -> String {
    let latin = if is_cyrillic(text) { ukrainian_to_latin(text) } else { text.to_string() };
    // Strip diacritics (ń → n, ü → u), drop apostrophes, lower-case.
    let mut ascii = String::with_capacity(latin.len());
    for c in latin.nfd() {
        if is_apostrophe(c) || unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'ł' | 'Ł' => 'l',
            'ß' => 's',
            _ => c,
        };
        if c.is_alphanumeric() {
            ascii.extend(c.to_lowercase());
        } else {
            ascii.push(' ');
        }
    }
    let mut s = ascii;
    for (from, to) in [
        ("shch", "s"),
        ("sch", "s"),
        ("tsch", "c"),
        ("tch", "c"),
        ("ch", "c"),
        ("sh", "s"),
        ("sz", "s"),
        ("zh", "z"),
        ("kh", "h"),
        ("ts", "c"),
        ("tz", "c"),
        ("cz", "c"),
        ("g", "h"),
        ("w", "v"),
        ("j", "i"),
        ("y", "i"),
        ("ck", "k"),
    ] {
        s = s.replace(from, to);
    }
    // Collapse doubled letters, drop `i` before a vowel (ia/ya/ja -> a), tidy spaces.
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(chars.len());
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && (prev.is_none() || prev == Some(' ')) {
            continue;
        }
        if Some(c) == prev && c != ' ' {
            continue;
        }
        if c == 'i' && chars.get(i + 1).is_some_and(|n| matches!(n, 'a' | 'e' | 'o' | 'u')) {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_examples() {
        // Examples from the KMU-2010 table.
        for (uk, latin) in [
            ("Алушта", "Alushta"),
            ("Борщагівка", "Borshchahivka"),
            ("Вінниця", "Vinnytsia"),
            ("Гадяч", "Hadiach"),
            ("Згорани", "Zghorany"),
            ("Ґалаґан", "Galagan"),
            ("Єнакієве", "Yenakiieve"),
            ("Житомир", "Zhytomyr"),
            ("Закарпаття", "Zakarpattia"),
            ("Медвин", "Medvyn"),
            ("Їжакевич", "Yizhakevych"),
            ("Кадиївка", "Kadyivka"),
            ("Йосипівка", "Yosypivka"),
            ("Стрий", "Stryi"),
            ("Олексій", "Oleksii"),
            ("Харків", "Kharkiv"),
            ("Біла Церква", "Bila Tserkva"),
            ("Шостка", "Shostka"),
            ("Гоща", "Hoshcha"),
            ("Русь", "Rus"),
            ("Юрій", "Yurii"),
            ("Корюківка", "Koriukivka"),
            ("Яготин", "Yahotyn"),
            ("Ічня", "Ichnia"),
            ("Знам’янка", "Znamianka"),
        ] {
            assert_eq!(ukrainian_to_latin(uk), latin, "{uk}");
        }
    }

    #[test]
    fn russian_era_spellings_share_the_key() {
        assert_eq!(coarse_key("Kupyansk-Uzlovoy").split(' ').next(), coarse_key("Kupiansk-Vuzlovyi").split(' ').next());
        assert_eq!(coarse_key("Dvurechnaya"), coarse_key("Двуречная"));
        assert_eq!(coarse_key("Kivsharivka"), coarse_key("Ківшарівка"));
    }
}
