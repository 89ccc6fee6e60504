//! Plain-text tables for the terminal.

use evac_zone::{Order, OrderDiff, Zone};

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.chars().take(width).collect() } else { format!("{s}{}", " ".repeat(width - n)) }
}

fn lpad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_string() } else { format!("{}{s}", " ".repeat(width - n)) }
}

/// Group digits in thousands: 12345 -> "12 345" (the Ukrainian and SI convention).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The order as a table, nearest first, with totals.
pub fn order_table(order: &Order) -> String {
    let mut out = String::new();
    if let Some(note) = &order.illustrative {
        out.push_str(&format!("!! {note}\n"));
    }
    out.push_str(&format!(
        "Evacuation order {} — {} — mandatory within {} km, advisory within {} km{}\n\n",
        order.number,
        order.scenario,
        order.mandatory_km,
        order.advisory_km,
        order.hazard_valid_from.map(|d| format!(", hazard as of {d}")).unwrap_or_default()
    ));
    out.push_str(&format!(
        "{}  {}  {}  {}  {}\n",
        pad("Settlement", 40),
        pad("Hromada", 18),
        lpad("Population", 10),
        lpad("Dist km", 8),
        "Zone"
    ));
    out.push_str(&format!("{}\n", "-".repeat(40 + 2 + 18 + 2 + 10 + 2 + 8 + 2 + 9)));
    for (i, e) in order.settlements.iter().enumerate() {
        if e.zone == Zone::BeyondLine
            && order.settlements.get(i.wrapping_sub(1)).is_none_or(|p| p.zone != Zone::BeyondLine)
        {
            out.push_str(&format!("-- {BEYOND_LINE_NOTE}\n"));
        }
        let name = match &e.name_uk {
            Some(uk) if uk != &e.name => format!("{} ({uk})", e.name),
            _ => e.name.clone(),
        };
        out.push_str(&format!(
            "{}  {}  {}  {}  {}\n",
            pad(&name, 40),
            pad(e.hromada.as_deref().unwrap_or(""), 18),
            lpad(&thousands(u64::from(e.population)), 10),
            lpad(&format!("{:.1}", e.distance_km), 8),
            e.zone
        ));
    }
    let t = &order.totals;
    out.push('\n');
    for (label, z) in [("mandatory", &t.mandatory), ("advisory", &t.advisory), ("ordered (both)", &t.ordered)] {
        out.push_str(&format!(
            "{}  {:>4} settlements  {:>9} people  {:>7} children  {:>6} immobile\n",
            pad(label, 15),
            z.settlements,
            thousands(z.population),
            thousands(z.children),
            thousands(z.immobile)
        ));
    }
    out.push_str(&format!(
        "{}  {:>4} settlements  {:>9} people beyond {} km (not ordered)\n",
        pad("outside", 15),
        t.outside.settlements,
        thousands(t.outside.population),
        order.advisory_km
    ));
    if t.beyond_line.settlements > 0 {
        out.push_str(&format!(
            "{}  {:>4} settlements  {:>9} people on the far side of the line (not ordered)\n",
            pad("beyond_line", 15),
            t.beyond_line.settlements,
            thousands(t.beyond_line.population),
        ));
    }
    out
}

/// Why settlements beyond the line are listed but not ordered, in one line.
const BEYOND_LINE_NOTE: &str = "beyond the line: on the far side of the hazard line from every reception centre; their roads to safety cross it, so they are not ordered to leave by road";

/// What changed since the previous order.
pub fn diff_table(diff: &OrderDiff) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Changes since the previous order: {} -> {} settlements, {}{} people ordered\n",
        diff.previous_settlements,
        diff.current_settlements,
        if diff.population_growth >= 0 { "+" } else { "-" },
        thousands(diff.population_growth.unsigned_abs())
    ));
    if diff.is_empty() {
        out.push_str("  no settlement added, removed or moved between zones\n");
        return out;
    }
    for e in &diff.added {
        out.push_str(&format!(
            "  + {} ({}, {} people, {:.1} km)\n",
            e.name,
            e.zone,
            thousands(u64::from(e.population)),
            e.distance_km
        ));
    }
    for e in &diff.removed {
        let now_beyond = diff.beyond_line_changed.iter().any(|c| c.id == e.id && c.to == Zone::BeyondLine);
        out.push_str(&format!(
            "  - {} (was {}, {} people{})\n",
            e.name,
            e.zone,
            thousands(u64::from(e.population)),
            if now_beyond { "; now beyond the line" } else { "" }
        ));
    }
    for c in &diff.zone_changed {
        let arrow = if c.to == Zone::Mandatory { "now mandatory" } else { "now advisory" };
        out.push_str(&format!("  ~ {} ({} -> {}, {arrow})\n", c.name, c.from, c.to));
    }
    for c in diff.beyond_line_changed.iter().filter(|c| c.from == Zone::BeyondLine) {
        out.push_str(&format!("  ! {} was beyond the line, now {}\n", c.name, c.to));
    }
    out.push_str(&format!(
        "  added {} settlements / {} people; removed {} / {}\n",
        diff.added.len(),
        thousands(diff.population_added),
        diff.removed.len(),
        thousands(diff.population_removed)
    ));
    out
}
