"""The criteria splitter: one Criterion per item, inclusion and exclusion apart, page order."""

from __future__ import annotations

from trialmart.criteria import EXCLUSION, INCLUSION, is_heading, split_criteria, split_eligibility


def texts(criteria):
    return [criterion.text for criterion in criteria]


def test_numbered_lines_are_items_with_markers_stripped():
    lines = ["1. Age 18 or older", "2) Signed consent", "3、Able to swallow tablets"]
    assert texts(split_criteria(lines, INCLUSION)) == ["Age 18 or older", "Signed consent", "Able to swallow tablets"]


def test_numbering_may_start_at_two_when_the_page_lost_item_one():
    lines = ["2. treated with RTX in association with oral corticosteroids", "3. with a follow-up of at least 48 weeks"]
    assert texts(split_criteria(lines, EXCLUSION)) == [
        "treated with RTX in association with oral corticosteroids",
        "with a follow-up of at least 48 weeks",
    ]


def test_inline_numbering_is_split_and_the_separator_dropped():
    line = (
        "- Fulfillment of the 2019 ACR/EULAR IgG4-related disease classification criteria; "
        "2. Newly-onset or relapsed patients who requires initiation of glucocorticoids treatment."
    )
    assert texts(split_criteria([line], INCLUSION)) == [
        "Fulfillment of the 2019 ACR/EULAR IgG4-related disease classification criteria",
        "Newly-onset or relapsed patients who requires initiation of glucocorticoids treatment.",
    ]


def test_inline_numbering_continues_the_sequence_only():
    line = "1. Dose 2.0-3.0 mg/kg/d; NYHA class 2. Patients are excluded; 2. Pregnancy; 4. not a split"
    assert texts(split_criteria([line], EXCLUSION)) == [
        "Dose 2.0-3.0 mg/kg/d; NYHA class 2. Patients are excluded",
        "Pregnancy; 4. not a split",
    ]


def test_a_second_numbering_that_runs_into_the_outer_one_stops_the_splitting():
    # issue #11 (NCT00975325): a sub-list flattened into item 2 numbers on from 1, so the next
    # "3." may belong to either list: items from there are not split, and the doubt is said
    line = "1. Healthy 2. Lack of suitability 1. Poor metabolizer 2. Drug abuse 3. Alcohol 3. Blood donation"
    doubts: list[str] = []
    criteria = split_criteria([line], EXCLUSION, sequence_only=True, doubts=doubts)
    assert [c.text for c in criteria] == [
        "Healthy",
        "Lack of suitability 1. Poor metabolizer 2. Drug abuse 3. Alcohol 3. Blood donation",
    ]
    assert len(doubts) == 1 and "criterion 2" in doubts[0]


def test_an_inner_list_below_the_outer_numbers_stays_in_its_item():
    # (NCT04007835) the inner 1, 2 never reach the outer 9: "10." continues the outer list
    line = "8. Adults 9. Patients who showed 1. risk, 2. progression 10. CEA over 10"
    doubts: list[str] = []
    criteria = split_criteria([line], INCLUSION, sequence_only=True, doubts=doubts)
    assert [c.text for c in criteria] == ["Adults", "Patients who showed 1. risk, 2. progression", "CEA over 10"]
    assert doubts == []


def test_inline_letters_stay_in_their_criterion():
    line = "* Laboratory abnormalities: a) ALT above ULN. b) Bilirubin above 1.2 ULN. c) Creatinine above ULN."
    assert len(split_criteria([line], EXCLUSION)) == 1


def test_circled_numbers_and_bullets_are_markers():
    lines = [
        "①Clinical manifestations: bullae.",
        "② Positive Nikolsky's sign.",
        "• item three",
        "* item four",
        "- item five",
        "a) item six",
        "(b) item seven",
    ]
    assert texts(split_criteria(lines, INCLUSION)) == [
        "Clinical manifestations: bullae.",
        "Positive Nikolsky's sign.",
        "item three",
        "item four",
        "item five",
        "item six",
        "item seven",
    ]


def test_wrapped_lines_are_joined_with_a_space():
    lines = ["1. Patients with a history of malignant tumors", "within the past 5 years", "2. Pregnant women"]
    assert texts(split_criteria(lines, EXCLUSION)) == [
        "Patients with a history of malignant tumors within the past 5 years",
        "Pregnant women",
    ]


def test_lower_case_line_continues_even_after_a_full_stop():
    lines = ["* Creatinine above 1.5 mg/dL.", "or clearance below 60 mL/min"]
    assert texts(split_criteria(lines, EXCLUSION)) == ["Creatinine above 1.5 mg/dL. or clearance below 60 mL/min"]


def test_unmarked_lead_in_takes_the_next_line_and_new_sentences_are_own_items():
    # the shape of seed 003's inclusion block
    lines = [
        "①Clinical manifestations: The presence of flaccid bullae.",
        "Formation of persistent erosions. Vesicles or erosions on mucous membranes.",
        "②Positive Nikolsky's sign.",
        "Histopathological findings:",
        "Intercellular acantholysis within the epidermis.",
        "Diagnosis is confirmed with at least one clinical manifestation.",
        "2. Adult patients aged between 18 and 80 years.",
    ]
    assert texts(split_criteria(lines, INCLUSION)) == [
        "Clinical manifestations: The presence of flaccid bullae.",
        "Formation of persistent erosions. Vesicles or erosions on mucous membranes.",
        "Positive Nikolsky's sign.",
        "Histopathological findings: Intercellular acantholysis within the epidermis.",
        "Diagnosis is confirmed with at least one clinical manifestation.",
        "Adult patients aged between 18 and 80 years.",
    ]


def test_lead_in_item_keeps_its_row_and_sub_bullets_are_rows():
    lines = [
        "6. Pregnant women.",
        "7. Other exclusions include:",
        "* Known hypersensitivity.",
        "* Live vaccines within 4 weeks.",
    ]
    assert texts(split_criteria(lines, EXCLUSION)) == [
        "Pregnant women.",
        "Other exclusions include:",
        "Known hypersensitivity.",
        "Live vaccines within 4 weeks.",
    ]


def test_headings_are_never_criteria():
    lines = ["Inclusion Criteria", "Exclusion Criteria:", "Key Inclusion Criteria:", "INCLUSION CRITERIA", "1. Age 18"]
    assert texts(split_criteria(lines, INCLUSION)) == ["Age 18"]
    assert not is_heading("Other exclusions include:")
    assert not is_heading("Exclusion of patients with HIV infection")
    assert is_heading("Inclusion criteria for Part A:")


def test_escaped_quotes_and_spaces_are_cleaned():
    assert texts(split_criteria(["* risk to the patient\\'s   safety"], EXCLUSION)) == ["risk to the patient's safety"]


def test_split_eligibility_official_block_with_nested_bullets():
    text = (
        "Inclusion Criteria:\n\n"
        "  * Age >= 18 years\n"
        "  * Adequate organ function:\n\n"
        "      * ANC >= 1500/mm3\n"
        "      * Platelets >= 100000/mm3\n\n"
        "Exclusion Criteria:\n\n"
        "  * Pregnancy\n"
        "  * Active infection requiring\n"
        "    intravenous antibiotics\n"
    )
    criteria = split_eligibility(text)
    assert [(c.criterion_type, c.text) for c in criteria] == [
        (INCLUSION, "Age >= 18 years"),
        (INCLUSION, "Adequate organ function:"),
        (INCLUSION, "ANC >= 1500/mm3"),
        (INCLUSION, "Platelets >= 100000/mm3"),
        (EXCLUSION, "Pregnancy"),
        (EXCLUSION, "Active infection requiring intravenous antibiotics"),
    ]


def test_split_eligibility_heading_variants_and_numbered_items():
    text = "KEY INCLUSION CRITERIA\n1. Adults\n2. Consent\nKey Exclusion Criteria:\n1. Pregnancy"
    assert [(c.criterion_type, c.text) for c in split_eligibility(text)] == [
        (INCLUSION, "Adults"),
        (INCLUSION, "Consent"),
        (EXCLUSION, "Pregnancy"),
    ]


def test_split_eligibility_heading_with_text_on_the_same_line():
    text = "Inclusion Criteria: Age 18 or older\nExclusion Criteria: Pregnancy"
    assert [(c.criterion_type, c.text) for c in split_eligibility(text)] == [
        (INCLUSION, "Age 18 or older"),
        (EXCLUSION, "Pregnancy"),
    ]


def test_split_eligibility_without_headings():
    assert texts(split_eligibility("- Adults\n- Signed consent")) == ["Adults", "Signed consent"]
    assert all(c.criterion_type == INCLUSION for c in split_eligibility("- Adults\n- Signed consent"))
    # prose without headings is not clearly a list of inclusion criteria: no rows
    assert split_eligibility("Healthy adults who can attend all visits.") == []
    assert split_eligibility("") == []
    assert split_eligibility(None) == []


def test_split_eligibility_keeps_inclusion_before_exclusion_in_page_order():
    text = "Exclusion Criteria:\n* Pregnancy\nInclusion Criteria:\n* Adults\n* Consent"
    assert [(c.criterion_type, c.text) for c in split_eligibility(text)] == [
        (INCLUSION, "Adults"),
        (INCLUSION, "Consent"),
        (EXCLUSION, "Pregnancy"),
    ]
