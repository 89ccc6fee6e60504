// Spellings of a place name: Ukrainian (or Russian) Cyrillic transliterated to Latin (the
// 2010 Ukrainian national system, with the Russian-only letters added), and a coarse key
// that makes the common variants meet: Kupiansk, Kupyansk, Kup'yansk, Куп'янськ, Купянск.

const CYR = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ie', ж: 'zh', з: 'z', и: 'y', і: 'i', ї: 'i', й: 'i',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch',
  ш: 'sh', щ: 'shch', ь: '', ю: 'iu', я: 'ia', ы: 'y', э: 'e', ё: 'io', ъ: '',
};

// Latin letters of a name written in Cyrillic (other characters kept, lower case).
export function latin(text) {
  return [...String(text || '').toLowerCase()].map((c) => (c in CYR ? CYR[c] : c)).join('');
}

// The key two spellings of one name share: Latin, letters only, with the letters that
// transliterations disagree on folded together (h/g/kh, y/i/j, ts/c, doubled letters).
export function coarse(text) {
  return latin(String(text || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, ''))
    .replace(/[^a-z]/g, '')
    .replace(/shch|sch/g, 's').replace(/zh/g, 'z').replace(/kh|ch|x/g, 'h').replace(/sh/g, 's')
    .replace(/ts|tz/g, 'c').replace(/g/g, 'h').replace(/w/g, 'v').replace(/[yij]+/g, 'i')
    .replace(/(.)\1+/g, '$1');
}

// How well a query matches a name's spellings: 3 starts the name, 2 starts a word,
// 1 inside it, 0 no match.
export function matchScore(query, spellings) {
  const q = coarse(query);
  if (!q) return 0;
  let best = 0;
  for (const s of spellings) {
    if (!s) continue;
    const key = coarse(s);
    if (key.startsWith(q)) return 3;
    const words = String(s).split(/[\s\-‐’'()]+/).map(coarse);
    if (words.some((w) => w.startsWith(q))) best = Math.max(best, 2);
    else if (key.includes(q)) best = Math.max(best, 1);
  }
  return best;
}
