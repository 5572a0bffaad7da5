//! The freshness chart: a column's bar as table cells in the level's colour, with the limit
//! line as a cell border (what every mail client draws).

use super::super::{Bar, Level, escape};
use super::{GREEN, GREY, LIMIT_LINE, ORANGE, RED, TRACK};

pub(super) fn level_colour(level: Level) -> &'static str {
    match level {
        Level::Fresh => GREEN,
        Level::Late => ORANGE,
        Level::VeryLate => RED,
    }
}

/// A stretch of a bar: its width in percent of the bar, whether it is filled, and whether the
/// limit line is drawn on its right edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) width: u32,
    pub(super) filled: bool,
    pub(super) limit_edge: bool,
}

/// Cuts a bar filled to `percent` into cells, with a cell edge at 50 % (the limit) so that
/// the limit line can be a cell border: borders and widths are what every client draws.
pub(super) fn bar_segments(percent: u32) -> Vec<Segment> {
    let percent = percent.min(100);
    let mut points = vec![0, percent.min(50), 50, percent, 100];
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| Segment {
            width: w[1] - w[0],
            filled: w[0] < percent,
            limit_edge: w[1] == 50,
        })
        .collect()
}

/// The bar as a one-row table: filled cells in the level's colour, the rest light grey;
/// a grey bar carries its label instead. Empty cells hold `&nbsp;` with a 1 px font so that
/// Outlook keeps them at 14 px instead of collapsing or growing them.
pub(super) fn bar_html(bar: Bar) -> String {
    let mut h = String::from(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"width:100%;border-collapse:collapse;\"><tr>",
    );
    match bar {
        Bar::Days { percent, level, .. } => {
            let fill = level_colour(level);
            for s in bar_segments(percent) {
                let colour = if s.filled { fill } else { TRACK };
                let edge = if s.limit_edge {
                    format!("border-right:2px solid {LIMIT_LINE};")
                } else {
                    String::new()
                };
                h.push_str(&format!(
                    "<td width=\"{w}%\" height=\"14\" bgcolor=\"{colour}\" style=\"width:{w}%;\
                     height:14px;background-color:{colour};font-size:1px;line-height:1px;\
                     {edge}\">&nbsp;</td>",
                    w = s.width
                ));
            }
        }
        Bar::Grey(label) => h.push_str(&format!(
            "<td width=\"100%\" height=\"14\" align=\"center\" bgcolor=\"{GREY}\" \
             style=\"width:100%;height:14px;background-color:{GREY};font-size:11px;\
             line-height:14px;color:#444444;\">{}</td>",
            escape(label)
        )),
    }
    h.push_str("</tr></table>");
    h
}
