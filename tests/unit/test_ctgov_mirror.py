"""The ctgov_mirror layout: detection, value classification, empty sections, links."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trialmart.documents import Document
from trialmart.sources import ctgov_mirror
from trialmart.sources._base import Section, drop_boilerplate, split_place, split_sections

SEEDS = Path(__file__).resolve().parents[2] / "tests" / "golden" / "ctgov_mirror"
BOILERPLATE = {section.key: section.boilerplate[0] for section in ctgov_mirror.SECTIONS if section.boilerplate}


def document(text: str, kind: str = "text") -> Document:
    return Document("page.txt", Path("page.txt"), "0" * 64, len(text), kind, text)


def page(*blocks: str) -> str:
    """A page of `blocks`, ending as the site ends every page (More Related Trials, seeds 000/003)."""
    head = ["Some Trial Title", "NCT ID: NCT01234567", "Last Updated: 2024-10-29"]
    end = ["More Related Trials", BOILERPLATE["more_related_trials"]]
    return "\n".join(head + list(blocks) + end)


def section(heading: str, key: str, *values: str) -> str:
    return "\n".join([heading, BOILERPLATE[key], *values])


def parse_one(text: str):
    trials = list(ctgov_mirror.parse(document(text)))
    assert len(trials) == 1
    return trials[0]


def test_detects_the_seed_pages():
    for path in sorted(SEEDS.glob("*.txt")):
        assert ctgov_mirror.detect(document(path.read_text(encoding="utf-8"))), path.name


def test_needs_the_id_lines_and_the_headings():
    assert ctgov_mirror.detect(
        document(page(section("Basic Information", "basic_information"), section("Sponsors", "sponsors")))
    )
    assert not ctgov_mirror.detect(document("NCT ID: NCT01234567\nBasic Information\nSponsors"))  # no Last Updated
    assert not ctgov_mirror.detect(document(page("Nothing else here")))
    assert not ctgov_mirror.detect(
        document("Title\nNCT ID: NCT0123\nLast Updated: 2024-01-01\nBasic Information\nSponsors")
    )


def test_heading_with_only_boilerplate_is_empty_not_the_next_heading():
    trial = parse_one(
        page(
            section("Brief Summary", "brief_summary"),
            section("Detailed Description", "detailed_description"),
            section("Conditions", "conditions"),
            section("Basic Information", "basic_information", "RECRUITING"),
        )
    )
    assert trial.brief_summary is None
    assert trial.detailed_description is None
    assert trial.conditions == ()
    assert trial.overall_status == "RECRUITING"
    assert trial.brief_title == "Some Trial Title"
    assert trial.last_update_date == date(2024, 10, 29)


def test_basic_information_values_are_classified_by_value_not_position():
    trial = parse_one(
        page(
            section(
                "Basic Information",
                "basic_information",
                "2025-10",
                "PHASE2",
                "INTERVENTIONAL",
                "Unknown",
                "40 participants",
                "2027",
            )
        )
    )
    assert (trial.overall_status, trial.overall_status_raw) == ("UNKNOWN", "Unknown")
    assert trial.phase == "PHASE2"
    assert trial.study_type == "INTERVENTIONAL"
    assert trial.enrollment == 40
    assert (trial.start_date, trial.start_date_precision) == (date(2025, 10, 1), "MONTH")
    assert (trial.completion_date, trial.completion_date_precision) == (date(2027, 1, 1), "YEAR")
    assert trial.primary_completion_date is None
    assert trial.issues == ()


def test_ambiguous_status_keeps_the_wording_and_records_an_issue():
    trial = parse_one(page(section("Basic Information", "basic_information", "Not Recruiting")))
    assert trial.overall_status is None
    assert trial.overall_status_raw == "Not Recruiting"
    assert [issue.field for issue in trial.issues] == ["overall_status"]


def test_unknown_values_become_issues_not_fields():
    trial = parse_one(
        page(
            section("Basic Information", "basic_information", "RECRUITING", "Banana"),
            section("Study Design", "study_design", "OTHER"),
        )
    )
    assert [issue.field for issue in trial.issues] == ["basic_information", "study_design"]
    assert trial.primary_purpose is None


def test_study_results_statement_means_no_results_and_absence_means_unknown():
    assert parse_one(page(section("Study Results", "study_results"))).has_results is False
    assert parse_one(page(section("Basic Information", "basic_information"))).has_results is None


def test_groups_link_interventions_by_name_and_skip_repeated_descriptions():
    trial = parse_one(
        page(
            section(
                "Study Groups",
                "study_groups",
                "Drug arm",
                "Patients receive the study drug every week for a year.",
                "Study drug",
                "A tablet taken by mouth once a day with water.",
                "Control arm",
                "Patients receive usual care from their own doctor.",
                "No interventions assigned to this group",
            ),
            section("Interventions", "interventions", "Study drug", "A tablet taken by mouth once a day with water."),
        )
    )
    assert [(arm.label, arm.intervention_names) for arm in trial.arms] == [
        ("Drug arm", ("Study drug",)),
        ("Control arm", ()),
    ]
    assert trial.arms[0].description == "Patients receive the study drug every week for a year."
    assert [(item.name, item.description) for item in trial.interventions] == [
        ("Study drug", "A tablet taken by mouth once a day with water."),
    ]


def test_eligibility_tail_values_and_criteria():
    trial = parse_one(
        page(
            section(
                "Eligibility Criteria",
                "eligibility",
                "Inclusion Criteria",
                "1. Adults",
                "Exclusion Criteria",
                "1. Pregnancy",
                "6 Months",
                "65 Years",
                "FEMALE",
                "Yes",
            )
        )
    )
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [("INCLUSION", "Adults"), ("EXCLUSION", "Pregnancy")]
    assert (trial.minimum_age_years, trial.minimum_age_raw) == (0.5, "6 Months")
    assert (trial.maximum_age_years, trial.maximum_age_raw) == (65.0, "65 Years")
    assert trial.sex == "FEMALE"
    assert trial.healthy_volunteers is True


def test_single_unlabeled_age_is_read_as_the_minimum_with_an_issue():
    # issue #11: the registry gives a lone minimum far more often than a lone maximum (284 vs 5)
    trial = parse_one(
        page(section("Eligibility Criteria", "eligibility", "Inclusion Criteria", "1. Adults", "18 Years", "ALL"))
    )
    assert (trial.minimum_age_years, trial.minimum_age_raw) == (18.0, "18 Years")
    assert trial.maximum_age_years is None and trial.maximum_age_raw is None
    assert trial.sex == "ALL"
    assert "minimum_age_years" in [issue.field for issue in trial.issues]


@pytest.mark.parametrize(
    ("age", "bound"),
    [("16 Years", "minimum"), ("45 Years", "minimum"), ("65 Years", None), ("75 Years", None), ("90 Years", "maximum")],
)
def test_single_unlabeled_age_is_read_as_the_bound_the_registry_gives_at_its_size(age, bound):
    # issue #11: 80 years and over is a lone maximum in 473 of 473 real records; at 60-79 the
    # registry gives either bound (50 minimum : 85 maximum), so the page leaves it undecided
    trial = parse_one(
        page(section("Eligibility Criteria", "eligibility", "Inclusion Criteria", "1. Adults", age, "ALL"))
    )
    read = {"minimum": trial.minimum_age_raw, "maximum": trial.maximum_age_raw}
    assert read == {name: (age if name == bound else None) for name in read}
    assert trial.sex == "ALL"
    assert any(issue.field.endswith("_age_years") and age in issue.message for issue in trial.issues)


def test_sponsors_contacts_identifiers_locations():
    trial = parse_one(
        page(
            section("Sponsors", "sponsors", "Big Pharma", "INDUSTRY", "Some University", "OTHER"),
            section("Responsible Party", "responsible_party", "Jane Doe", "Professor"),
            section("Central Contacts", "central_contacts", "John Roe", "+1 555 123 4567", "john@example.org"),
            section(
                "Locations",
                "locations",
                "City Hospital",
                "Boston, Massachusetts, United States",
                "Clinic B",
                "Lyon, France",
            ),
            section(
                "Other Identifiers",
                "other_identifiers",
                "ABC-1",
                "Identifier Type: -",
                "Identifier Source: org_study_id",
                "2020-001234-56",
                "Identifier Type: EudraCT Number",
                "Identifier Source: secondary_id",
            ),
        )
    )
    assert [(s.name, s.role, s.agency_class) for s in trial.sponsors] == [
        ("Big Pharma", "LEAD", "INDUSTRY"),
        ("Some University", "COLLABORATOR", "OTHER"),
    ]
    assert [(c.name, c.role, c.detail) for c in trial.contacts] == [
        ("Jane Doe", "RESPONSIBLE_PARTY", "Professor"),
        ("John Roe", "CENTRAL_CONTACT", "+1 555 123 4567; john@example.org"),
    ]
    assert [(loc.facility, loc.city, loc.state, loc.country) for loc in trial.locations] == [
        ("City Hospital", "Boston", "Massachusetts", "United States"),
        ("Clinic B", "Lyon", None, "France"),
    ]
    assert [(i.identifier, i.identifier_type) for i in trial.identifiers] == [
        ("ABC-1", "ORG_STUDY_ID"),
        ("2020-001234-56", "SECONDARY_ID"),
    ]


def test_full_width_phone_number_is_a_contact_detail_not_a_contact():
    # CJK records print full-width brackets (NCT06029816)
    trial = parse_one(
        page(
            section(
                "Central Contacts",
                "central_contacts",
                "Dong Wang",
                "（021）6877 3638",
                "dong.wang@example.org",
                "Qiong Wang",
                "（021）6877 3638",
            )
        )
    )
    assert [(c.name, c.detail) for c in trial.contacts] == [
        ("Dong Wang", "（021）6877 3638; dong.wang@example.org"),
        ("Qiong Wang", "（021）6877 3638"),
    ]


def test_no_nct_id_means_no_trial():
    assert list(ctgov_mirror.parse(document("Title\nLast Updated: 2024-01-01\nBasic Information"))) == []


def test_base_helpers():
    sections = (Section("a", ("Alpha",), ("Site text.",)), Section("b", ("Beta",)))
    split = split_sections(["Title", "ALPHA", "site text", "one", "Beta", "two"], sections)
    assert split.preamble == ["Title"]
    assert split.sections == {"a": ["one"], "b": ["two"]}
    assert drop_boilerplate(["Site text.", "kept"], ["site  TEXT."]) == ["kept"]
    assert split_place("Shanghai, Shanghai Municipality, 200025, China") == (
        "Shanghai",
        "Shanghai Municipality",
        "China",
    )


# --- issue #11: pages of other real trials printed the seeds' way -----------------------------


def test_sentence_after_an_intervention_name_is_its_description():
    trial = parse_one(
        page(
            section("Study Groups", "study_groups", "Arm A", "Participants get the tablet.", "Aspirin", "One tablet."),
            section("Interventions", "interventions", "Aspirin", "One tablet."),
        )
    )
    assert [(i.name, i.description) for i in trial.interventions] == [("Aspirin", "One tablet.")]
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        ("Arm A", "Participants get the tablet.", ("Aspirin",))
    ]


def test_short_line_after_an_intervention_name_is_not_guessed():
    # "Oral" could be Aspirin's description or a second intervention the group always gets with
    # it (interventions without a description are common): the page does not say which.
    trial = parse_one(
        page(
            section("Study Groups", "study_groups", "Arm A", "Participants get the tablet.", "Aspirin", "Oral"),
            section("Interventions", "interventions", "Aspirin", "Oral"),
        )
    )
    # Aspirin is an intervention in every reading, what follows it is not certain
    assert [(i.name, i.description) for i in trial.interventions] == [("Aspirin", None)]
    # the group itself is certain; only its links are not
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        ("Arm A", "Participants get the tablet.", ())
    ]
    assert {"arms", "interventions"} <= {found.field for found in trial.issues}


def test_intervention_without_description_is_read_when_the_groups_show_it_alone():
    trial = parse_one(
        page(
            section(
                "Study Groups",
                "study_groups",
                "Arm A",
                "Aspirin",
                "Once a day by mouth for a year.",
                "Arm B",
                "Given the dummy pill.",
                "Placebo",
            ),
            section("Interventions", "interventions", "Aspirin", "Once a day by mouth for a year.", "Placebo"),
        )
    )
    # "Placebo" ends the Interventions list, and Study Groups shows it after a group's text, not
    # after Aspirin's lines: it is an intervention printed without a description
    assert [(i.name, i.description) for i in trial.interventions] == [
        ("Aspirin", "Once a day by mouth for a year."),
        ("Placebo", None),
    ]
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        ("Arm A", None, ("Aspirin",)),
        ("Arm B", "Given the dummy pill.", ("Placebo",)),
    ]


def test_group_label_equal_to_an_intervention_name_opens_a_new_group():
    trial = parse_one(
        page(
            section(
                "Study Groups",
                "study_groups",
                "Tadalafil",
                "Tadalafil 5 mg daily for twelve weeks in the morning.",
                "Tadalafil",
                "One 5 mg tablet.",
                "Placebo",
                "Matching placebo tablet daily for twelve weeks in the morning.",
                "Placebo",
                "One sugar pill.",
            ),
            section("Interventions", "interventions", "Tadalafil", "One 5 mg tablet.", "Placebo", "One sugar pill."),
        )
    )
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        ("Tadalafil", "Tadalafil 5 mg daily for twelve weeks in the morning.", ("Tadalafil",)),
        ("Placebo", "Matching placebo tablet daily for twelve weeks in the morning.", ("Placebo",)),
    ]
    assert [(i.name, i.description) for i in trial.interventions] == [
        ("Tadalafil", "One 5 mg tablet."),
        ("Placebo", "One sugar pill."),
    ]


def test_long_label_after_no_interventions_line_is_a_new_group():
    label = "Men older than sixty five years who underwent radical prostatectomy within the last two years"
    trial = parse_one(
        page(
            section(
                "Study Groups",
                "study_groups",
                "Cohort A",
                "Younger men.",
                "No interventions assigned to this group",
                label,
                "Older men.",
                "No interventions assigned to this group",
            )
        )
    )
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        ("Cohort A", "Younger men.", ()),
        (label, "Older men.", ()),
    ]


def test_heading_wording_inside_a_summary_is_text_not_a_heading():
    trial = parse_one(
        page(
            section("Brief Summary", "brief_summary", "Study Design: randomized.", "Interventions:", "Drug A daily."),
            section("Conditions", "conditions", "Erectile Dysfunction"),
        )
    )
    assert trial.brief_summary == "Study Design: randomized.\n\nInterventions:\n\nDrug A daily."
    assert trial.interventions == ()
    assert trial.conditions == ("Erectile Dysfunction",)


def test_design_value_other_is_placed_by_its_position_and_the_study_type():
    basic = section("Basic Information", "basic_information", "RECRUITING", "INTERVENTIONAL")
    trial = parse_one(page(basic, section("Study Design", "study_design", "RANDOMIZED", "PARALLEL", "OTHER", "NONE")))
    assert (trial.allocation, trial.intervention_model, trial.primary_purpose, trial.masking) == (
        "RANDOMIZED",
        "PARALLEL",
        "OTHER",
        "NONE",
    )
    observational = section("Basic Information", "basic_information", "RECRUITING", "OBSERVATIONAL")
    trial = parse_one(page(observational, section("Study Design", "study_design", "OTHER", "PROSPECTIVE")))
    assert (trial.observational_model, trial.time_perspective) == ("OTHER", "PROSPECTIVE")
    trial = parse_one(page(observational, section("Study Design", "study_design", "COHORT", "OTHER")))
    assert (trial.observational_model, trial.time_perspective) == ("COHORT", "OTHER")
    # alone, OTHER could be either observational field: not read, and said so
    trial = parse_one(page(observational, section("Study Design", "study_design", "OTHER")))
    assert (trial.observational_model, trial.time_perspective) == (None, None)
    assert "study_design" in [issue.field for issue in trial.issues]


def test_ambiguous_repeated_name_block_is_not_guessed():
    # "Placebo" twice, and Study Groups links neither: the page does not say whether the
    # second "Placebo" opens a block or is a line of the first one's description.
    trial = parse_one(
        page(
            section(
                "Study Groups",
                "study_groups",
                "Arm A",
                "Observation only.",
                "No interventions assigned to this group",
            ),
            section("Interventions", "interventions", "Placebo", "Sugar pill", "Placebo", "Twice daily"),
        )
    )
    assert trial.interventions == ()
    assert any(found.field == "interventions" for found in trial.issues)


def test_group_described_by_the_name_of_its_one_intervention():
    # real records often describe an arm by its intervention's name, which the site prints
    # right after it: the name twice in a row (NCT02005731)
    device = "Low intensity linear focused shockwave device ('Renova')"
    trial = parse_one(
        page(
            section("Study Groups", "study_groups", "Shockwaves", device, device),
            section("Interventions", "interventions", device),
        )
    )
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [("Shockwaves", device, (device,))]
    assert [(i.name, i.description) for i in trial.interventions] == [(device, None)]


def test_repeated_line_that_may_be_a_group_or_a_description_invents_no_group():
    # "Treatment" may be described as the stent's name and link it; or have no description, link
    # the stent, and a second group "stent" link it too (NCT02492386): only "Treatment" is certain
    stent = "Bioabsorbable everolimus-eluting stent deployment"
    trial = parse_one(
        page(
            section("Study Groups", "study_groups", "Treatment", stent, stent, stent),
            section("Interventions", "interventions", stent, stent),
        )
    )
    # every reading links the stent; whether "Treatment" has a description is not certain
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [("Treatment", None, (stent,))]
    assert any(found.field == "arms" for found in trial.issues)


def test_preference_for_sentences_as_descriptions_is_recorded_when_in_doubt():
    def arms_page(aspirin_text: str, placebo_text: str):
        return parse_one(
            page(
                section(
                    "Study Groups",
                    "study_groups",
                    "Arm A",
                    "Aspirin",
                    aspirin_text,
                    "Arm B",
                    "Placebo",
                    placebo_text,
                ),
                section("Interventions", "interventions", "Aspirin", aspirin_text, "Placebo", placebo_text),
            )
        )

    # each second line may be a name in some reading; the ones that make them descriptions win
    sentences = arms_page("Take one tablet by mouth every morning.", "Take one dummy tablet every morning.")
    assert [(i.name, i.description) for i in sentences.interventions] == [
        ("Aspirin", "Take one tablet by mouth every morning."),
        ("Placebo", "Take one dummy tablet every morning."),
    ]
    assert [a.intervention_names for a in sentences.arms] == [("Aspirin",), ("Placebo",)]
    # a line that ends a sentence is hardly a name: no doubt to record
    assert not any("an assumption" in found.message for found in sentences.issues)
    # a many-word line without a final stop may be a name: the choice is recorded
    names = arms_page("Low dose oral aspirin tablet 81 mg", "Matching oral placebo tablet once daily")
    assert [i.description for i in names.interventions] == [
        "Low dose oral aspirin tablet 81 mg",
        "Matching oral placebo tablet once daily",
    ]
    assert any("an assumption" in found.message for found in names.issues)


def test_page_with_a_hundred_readings_is_still_read_where_they_agree():
    # six groups, each "Arm k", one short line, then its own drug and dose: each short line may be
    # the group's description or not, so the page has many readings; labels are certain
    lines, listed = [], []
    for k in range(1, 7):
        lines += [f"Arm {k}", f"Cohort {k}", f"Drug{k}", f"{k}0 mg"]
        listed += [f"Drug{k}", f"{k}0 mg"]
    trial = parse_one(
        page(section("Study Groups", "study_groups", *lines), section("Interventions", "interventions", *listed))
    )
    assert [a.label for a in trial.arms] == [f"Arm {k}" for k in range(1, 7)]
    assert not any("too many readings" in found.message for found in trial.issues)


# --- issue #13: a page cut off mid-download ----------------------------------------------------


def test_page_cut_inside_a_site_sentence_is_partial_and_the_fragment_is_not_data():
    seed = (SEEDS / "003_9d8b5c6217fb85cd.txt").read_text(encoding="utf-8").splitlines()
    at = seed.index("Brief Summary")
    cut = [*seed[: at + 1], "Review the sponsor-provided synopsis that highlights what the study is about"]
    trial = parse_one("\n".join(cut))
    assert trial.nct_id == "NCT06663943" and trial.brief_title  # what the page holds is still read
    assert trial.brief_summary is None  # the cut-off site sentence is not the trial's summary
    warnings = [found.message for found in trial.issues if found.field == "page"]
    assert len(warnings) == 2, warnings
    assert "cut off" in warnings[0] and "More Related Trials" in warnings[0]
    assert "Review the sponsor-provided synopsis" in warnings[1]


def test_page_cut_inside_a_value_is_partial_and_keeps_what_it_holds():
    seed = (SEEDS / "003_9d8b5c6217fb85cd.txt").read_text(encoding="utf-8").splitlines()
    at = seed.index("Eligibility Criteria")
    trial = parse_one("\n".join(seed[:at]))
    assert trial.arms and trial.brief_title and trial.criteria == ()
    assert [found.field for found in trial.issues].count("page") == 1


def test_whole_seed_pages_are_not_cut_off():
    for path in sorted(SEEDS.glob("*.txt")):
        trial = parse_one(path.read_text(encoding="utf-8"))
        assert "page" not in [found.field for found in trial.issues], path.name
