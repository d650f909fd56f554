package rules

import "time"

// The built-in profiles. Each call returns a fresh copy.
//
//   - pharma-2-8: medicines stored at 2–8 °C. Above 8 °C for 30 minutes is an excursion
//     (clears at 7.5 °C); above 15 °C at once is a hard limit, not excused by defrost;
//     at most 24 h above 8 °C over the lot's life; the mean kinetic temperature over a
//     sliding 24 h window must stay at or below 8 °C (24 h for controlled cold products
//     as proposed in USP Pharmacopeial Forum 44(4), "The Use of Mean Kinetic Temperature
//     to Aid Evaluation of Temperature Excursions"); below 2 °C for 30 minutes is an
//     excursion (freezing), clearing at 2.5 °C.
//   - chilled-5: chilled food held at 5 °C (41 °F) or below (FDA Food Code 3-501.16):
//     above 5 °C for 30 minutes, clearing at 4.5 °C, excused during defrost (at most 1 h).
//   - frozen-18: frozen food at −18 °C or below: above −18 °C for 30 minutes (clears at
//     −19 °C); above −15 °C, the brief rise quick-frozen food may see in distribution
//     (Directive 89/108/EEC, Art. 5), at once; both excused during defrost (at most 1 h).
func Builtin(name string) (Profile, bool) {
	mk, ok := builtins[name]
	if !ok {
		return Profile{}, false
	}
	return mk(), true
}

// BuiltinProfiles returns every built-in profile, sorted by name.
func BuiltinProfiles() []Profile {
	return []Profile{builtins["chilled-5"](), builtins["frozen-18"](), builtins["pharma-2-8"]()}
}

func dur(d time.Duration) Duration { return Duration(d) }

var builtins = map[string]func() Profile{
	"pharma-2-8": func() Profile {
		return Profile{
			Name:        "pharma-2-8",
			Description: "medicines at 2–8 °C: excursions to 15 °C tolerated for at most 24 h in all if the MKT stays ≤ 8 °C",
			Rules: []Rule{
				{Name: "high", Kind: KindHigh, Limit: 8, Delay: dur(30 * time.Minute), ClearMargin: 0.5},
				{Name: "high_hard", Kind: KindHigh, Limit: 15, DefrostExempt: true},
				{Name: "cumulative_high", Kind: KindCumulativeHigh, Limit: 8, Allowance: dur(24 * time.Hour)},
				{Name: "mkt", Kind: KindMKT, Limit: 8, Window: dur(24 * time.Hour)},
				{Name: "low", Kind: KindLow, Limit: 2, Delay: dur(30 * time.Minute), ClearMargin: 0.5},
			},
		}
	},
	"chilled-5": func() Profile {
		return Profile{
			Name:        "chilled-5",
			Description: "chilled food at 5 °C (41 °F) or below, FDA Food Code 3-501.16",
			Rules: []Rule{
				{Name: "high", Kind: KindHigh, Limit: 5, Delay: dur(30 * time.Minute), ClearMargin: 0.5},
				{Name: "defrost", Kind: KindDefrost},
			},
		}
	},
	"frozen-18": func() Profile {
		return Profile{
			Name:        "frozen-18",
			Description: "frozen food at -18 °C or below; brief rises to -15 °C in distribution",
			Rules: []Rule{
				{Name: "high", Kind: KindHigh, Limit: -18, Delay: dur(30 * time.Minute), ClearMargin: 1},
				{Name: "high_hard", Kind: KindHigh, Limit: -15},
				{Name: "defrost", Kind: KindDefrost},
			},
		}
	},
}
