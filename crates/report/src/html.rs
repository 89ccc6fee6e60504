//! The printable order document (A4, bilingual Ukrainian/English headings).

use crate::map::{ADVISORY_COLOUR, BEYOND_LINE_COLOUR, MANDATORY_COLOUR, esc};
use crate::table::thousands;
use evac_zone::{Order, OrderDiff, OrderEntry, Zone, ZoneTotals};
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = r#"
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 190mm; line-height: 1.35; }
header { border-bottom: 2px solid #111; padding-bottom: 6px; margin-bottom: 10px; }
.authority { font-size: 11pt; font-weight: bold; text-transform: uppercase; letter-spacing: 0.02em; }
h1 { font-size: 16pt; margin: 8px 0 2px; }
h2 { font-size: 12.5pt; margin: 16px 0 6px; border-bottom: 1px solid #999; padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 11pt; margin: 10px 0 4px; break-after: avoid; }
.en { color: #444; font-weight: normal; }
.meta { display: flex; gap: 24px; flex-wrap: wrap; margin-top: 4px; }
.illustrative { border: 2px solid #b00020; color: #b00020; padding: 6px 10px; margin: 8px 0; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; table-layout: fixed; }
col.num { width: 11%; } col.idx { width: 5%; } col.code { width: 24%; } td.code { font-size: 7.5pt; font-family: "DejaVu Sans Mono", monospace; }
th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; font-size: 9pt; overflow-wrap: anywhere; }
th { background: #eee; font-size: 7.5pt; font-weight: bold; }
th .en { display: block; font-weight: normal; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; }
tfoot td { font-weight: bold; background: #f6f6f6; }
.zone-mandatory { border-left: 6px solid MANDATORY; }
.zone-advisory { border-left: 6px solid ADVISORY; }
.zone-beyond_line { border-left: 6px solid BEYOND; }
.map { border: 1px solid #999; margin: 6px 0; break-inside: avoid; }
.legend span { display: inline-block; margin-right: 14px; font-size: 9pt; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; border: 1px solid #666; }
.diff-add { color: #0b5e0b; } .diff-rem { color: #8a1010; }
.signature { margin-top: 24px; display: flex; justify-content: space-between; gap: 24px; break-inside: avoid; }
.signature div { flex: 1; border-top: 1px solid #111; padding-top: 2px; font-size: 9pt; }
footer { margin-top: 18px; font-size: 8pt; color: #444; border-top: 1px solid #999; padding-top: 4px; }
@media screen { body { padding: 12px; } }
"#;

/// Everything the document shows besides the order itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderDocument<'a> {
    /// Inline SVG map of the zone.
    pub map_svg: Option<&'a str>,
    pub diff: Option<&'a OrderDiff>,
    /// Name of the hazard (e.g. "front line as of ...") for the reason paragraph.
    pub hazard_name: Option<&'a str>,
    pub attribution: &'a str,
}

fn totals_row(label: &str, t: &ZoneTotals) -> String {
    format!(
        "<tr><td>{label}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
        t.settlements,
        thousands(t.population),
        thousands(t.households),
        thousands(t.children),
        thousands(t.immobile)
    )
}

fn zone_section(out: &mut String, order: &Order, zone: Zone, totals: &ZoneTotals) {
    let (uk, en, colour) = match zone {
        Zone::Mandatory => ("Обов’язкова евакуація", "Mandatory evacuation", MANDATORY_COLOUR),
        Zone::Advisory => ("Рекомендована евакуація", "Advisory evacuation", ADVISORY_COLOUR),
        Zone::BeyondLine => (
            "За лінією загрози — не підлягають евакуації дорогами",
            "Beyond the line — not ordered to leave by road",
            BEYOND_LINE_COLOUR,
        ),
        Zone::Outside => return,
    };
    let km = match zone {
        Zone::Mandatory => format!("≤ {} km", order.mandatory_km),
        Zone::BeyondLine => "по той бік лінії / on the far side of the line".to_string(),
        _ => format!("{}–{} km", order.mandatory_km, order.advisory_km),
    };
    let _ = writeln!(
        out,
        r#"<h2 style="border-color:{colour}">{uk} <span class=en>/ {en}</span> ({km}): {} нас. пунктів / settlements, {} осіб / people</h2>"#,
        totals.settlements,
        thousands(totals.population)
    );
    if zone == Zone::BeyondLine {
        out.push_str(BEYOND_LINE_NOTE);
    }
    if totals.settlements == 0 {
        out.push_str("<p>Немає / None.</p>\n");
        return;
    }
    let mut by_hromada: BTreeMap<String, Vec<&OrderEntry>> = BTreeMap::new();
    for e in order.settlements.iter().filter(|e| e.zone == zone) {
        by_hromada.entry(e.hromada.clone().unwrap_or_else(|| "—".into())).or_default().push(e);
    }
    let mut n = 0;
    for (hromada, entries) in by_hromada {
        let pop: u64 = entries.iter().map(|e| u64::from(e.population)).sum();
        let _ = writeln!(
            out,
            r#"<h3>{} громада <span class=en>/ hromada</span> — {} нас. п., {} осіб</h3>
<table class="zone-{}"><colgroup><col class=idx><col><col class=code><col class=num><col class=num><col class=num><col class=num></colgroup><thead><tr><th class=n>№</th><th>Населений пункт <span class=en>/ Settlement</span></th><th>КАТОТТГ <span class=en>/ KATOTTG</span></th><th class=n>Населення <span class=en>/ Population</span></th><th class=n>Діти <span class=en>/ Children</span></th><th class=n>Маломобільні <span class=en>/ Immobile</span></th><th class=n>Відстань, км <span class=en>/ Distance</span></th></tr></thead><tbody>"#,
            esc(&hromada),
            entries.len(),
            thousands(pop),
            zone.as_str()
        );
        for e in entries {
            n += 1;
            let name = match &e.name_uk {
                Some(uk) if uk != &e.name => {
                    format!("{} <span class=en>({})</span>", esc(uk), esc(&e.name))
                }
                _ => esc(&e.name),
            };
            let source = e.population_source.as_deref().unwrap_or("");
            // * our estimate, † a figure of unknown date (GeoNames, OSM tag); official ones unmarked.
            let mark = if source.starts_with("estimate") {
                "*"
            } else if source.starts_with("unknown") {
                "†"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<tr><td class=n>{n}</td><td>{name}</td><td class=code>{}</td><td class=n>{}{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.1}</td></tr>",
                esc(e.katottg.as_deref().unwrap_or("")),
                thousands(u64::from(e.population)),
                mark,
                e.children.map(|c| thousands(u64::from(c))).unwrap_or_else(|| "—".into()),
                e.immobile.map(|c| thousands(u64::from(c))).unwrap_or_else(|| "—".into()),
                e.distance_km
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

/// Why the settlements beyond the line are listed but not ordered (one line, both languages).
const BEYOND_LINE_NOTE: &str = "<p>Ці населені пункти лежать по той бік лінії загрози від пунктів прийому: дороги до безпеки перетинають лінію, тому вони не включені до розпорядження і не плануються як пункти виїзду. <span class=en>These settlements lie on the far side of the hazard line from every reception centre: their roads to safety cross the line, so they are not ordered to leave by road and no plan starts there.</span></p>\n";

/// Render the order as a self-contained printable HTML page.
pub fn order_html(order: &Order, doc: &OrderDocument<'_>) -> String {
    let t = &order.totals;
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("Розпорядження № {} / Evacuation order No. {}", order.number, order.number);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"uk\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&title),
        STYLE
            .replace("MANDATORY", MANDATORY_COLOUR)
            .replace("ADVISORY", ADVISORY_COLOUR)
            .replace("BEYOND", BEYOND_LINE_COLOUR)
    );
    let _ = write!(
        out,
        r#"<header>
<div class="authority">{}</div>
<h1>Розпорядження № {} <span class=en>/ Order No. {}</span></h1>
<div><b>Про обов’язкову евакуацію населення</b> <span class=en>/ On the mandatory evacuation of the population</span></div>
<div class="meta"><span>Дата <span class=en>/ Date</span>: <b>{}</b></span><span>Сценарій <span class=en>/ Scenario</span>: {}</span></div>
</header>
"#,
        esc(&order.authority),
        esc(&order.number),
        esc(&order.number),
        order.date.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_else(|| "____________".into()),
        esc(&order.scenario)
    );
    if let Some(note) = &order.illustrative {
        let _ = writeln!(out, r#"<div class="illustrative">НАВЧАЛЬНИЙ ПРИКЛАД / ILLUSTRATIVE: {}</div>"#, esc(note));
    }
    let hazard = doc.hazard_name.map(esc).unwrap_or_else(|| "лінії загрози / the hazard line".into());
    let _ = write!(
        out,
        r#"<h2>Підстава <span class=en>/ Reason</span></h2>
<p>У зв’язку з загрозою життю та здоров’ю населення від обстрілів населених пунктів, що розташовані в межах {m} км від {hazard}{valid}, оголошується обов’язкова евакуація населення з населених пунктів, перелічених у розділі 1, та рекомендована евакуація з населених пунктів у межах {a} км (розділ 2).</p>
<p class=en>Because of the threat to life and health from shelling of the settlements lying within {m} km of {hazard}{valid_en}, the mandatory evacuation of the population of the settlements listed in section 1 is ordered, and evacuation is advised for the settlements within {a} km (section 2).</p>
"#,
        m = order.mandatory_km,
        a = order.advisory_km,
        valid = order.hazard_valid_from.map(|d| format!(" (станом на {})", d.format("%d.%m.%Y"))).unwrap_or_default(),
        valid_en = order.hazard_valid_from.map(|d| format!(" (as of {d})")).unwrap_or_default(),
    );
    let _ = write!(
        out,
        r#"<h2>Підсумки <span class=en>/ Totals</span></h2>
<table><colgroup><col style="width:30%"><col><col><col><col><col></colgroup><thead><tr><th>Зона <span class=en>/ Zone</span></th><th class=n>Нас. пунктів <span class=en>/ Settlements</span></th><th class=n>Населення <span class=en>/ Population</span></th><th class=n>Домогосподарств <span class=en>/ Households</span></th><th class=n>Діти <span class=en>/ Children</span></th><th class=n>Маломобільні <span class=en>/ Immobile</span></th></tr></thead>
<tbody>{}{}</tbody><tfoot>{}</tfoot></table>
"#,
        totals_row(&format!("Обов’язкова / Mandatory (≤ {} km)", order.mandatory_km), &t.mandatory),
        totals_row(&format!("Рекомендована / Advisory ({}–{} km)", order.mandatory_km, order.advisory_km), &t.advisory),
        totals_row("Разом / Total", &t.ordered),
    );
    let _ = writeln!(
        out,
        "<p style=\"font-size:9pt\">Поза зоною / outside the zone: {} нас. пунктів, {} осіб. * — населення оцінене / population estimated; † — дата даних невідома / figure of unknown date; без позначки — офіційні дані / unmarked: official (see the scenario's PROVENANCE).</p>",
        t.outside.settlements,
        thousands(t.outside.population)
    );
    if t.beyond_line.settlements > 0 {
        let _ = writeln!(
            out,
            "<p style=\"font-size:9pt\">За лінією загрози / beyond the line: {} нас. пунктів, {} осіб — не підлягають евакуації дорогами, перелічені окремо (розділ 1, наприкінці) / not ordered to leave by road, listed apart (end of section 1).</p>",
            t.beyond_line.settlements,
            thousands(t.beyond_line.population)
        );
    }
    if let Some(svg) = doc.map_svg {
        let _ = write!(
            out,
            r#"<h2>Карта зони <span class=en>/ Map of the zone</span></h2>
<div class="map">{svg}</div>
<div class="legend"><span><i class="swatch" style="background:{MANDATORY_COLOUR}"></i>обов’язкова / mandatory</span><span><i class="swatch" style="background:{ADVISORY_COLOUR}"></i>рекомендована / advisory</span><span><i class="swatch" style="background:#607d8b"></i>поза зоною / outside</span><span><i class="swatch" style="background:{BEYOND_LINE_COLOUR}"></i>за лінією / beyond the line</span><span><i class="swatch" style="background:#5d0000"></i>лінія загрози / hazard</span></div>
"#
        );
    }
    if let Some(diff) = doc.diff {
        let _ = write!(
            out,
            "<h2>Зміни <span class=en>/ Changes since the previous order</span></h2>\n<p>{} → {} нас. пунктів / settlements; {}{} осіб / people.</p>\n<ul>\n",
            diff.previous_settlements,
            diff.current_settlements,
            if diff.population_growth >= 0 { "+" } else { "−" },
            thousands(diff.population_growth.unsigned_abs())
        );
        for e in &diff.added {
            let _ = writeln!(
                out,
                "<li class=diff-add>+ {} ({}, {} осіб)</li>",
                esc(e.name_uk.as_deref().unwrap_or(&e.name)),
                e.zone,
                thousands(u64::from(e.population))
            );
        }
        for e in &diff.removed {
            let _ = writeln!(
                out,
                "<li class=diff-rem>− {} ({})</li>",
                esc(e.name_uk.as_deref().unwrap_or(&e.name)),
                e.zone
            );
        }
        for c in &diff.zone_changed {
            let _ = writeln!(out, "<li>~ {}: {} → {}</li>", esc(&c.name), c.from, c.to);
        }
        for c in &diff.beyond_line_changed {
            let _ = writeln!(
                out,
                "<li>! {}: {} → {} (лінія загрози змістилася / the line moved)</li>",
                esc(&c.name),
                c.from,
                c.to
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>1. Перелік населених пунктів <span class=en>/ List of settlements</span></h2>\n");
    zone_section(&mut out, order, Zone::Mandatory, &t.mandatory);
    zone_section(&mut out, order, Zone::Advisory, &t.advisory);
    if t.beyond_line.settlements > 0 {
        zone_section(&mut out, order, Zone::BeyondLine, &t.beyond_line);
    }
    out.push_str(
        r#"<div class="signature"><div>Посада <span class=en>/ Position</span></div><div>Підпис <span class=en>/ Signature</span></div><div>Ім’я, прізвище <span class=en>/ Name</span></div></div>
"#,
    );
    let _ = writeln!(out, "<footer>{} Generated by evac.</footer>\n</body>\n</html>", esc(doc.attribution));
    out
}
