"""Export files: complete, typed, byte-identical for the same inputs, consistent with the API, and
the truth files agree with a recomputation in pandas from the exported files alone."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator import Company, generate_company
from simulator.exports import export
from simulator.tables import TABLES
from simulator.truth import TRUTH_FILES

REPO = Path(__file__).resolve().parents[2]
CENT = Decimal("0.01")


def read(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])


def read_truth(directory: Path, name: str) -> pd.DataFrame:
    return read(directory / "truth", f"truth_{name}")


def ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601")


@pytest.fixture(scope="module")
def exported(company: Company, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export(company, out, "both")
    return out


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> Path:
    """A multi-currency company, a month past its as-of, exported as CSV."""
    out = tmp_path_factory.mktemp("multi")
    company = generate_company(
        seed=11, scale="small", as_of=pd.Timestamp("2024-12-31").date(), multi_currency=True
    )
    export(company.advance(31), out, "csv")
    return out


def test_every_table_truth_and_manifest_is_written(exported: Path, company: Company) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["scale"] == "small"
    assert manifest["as_of"] == "2025-06-30" and manifest["clock"] == "2025-06-30T23:59:59.999Z"
    assert manifest["multi_currency"] is False and list(manifest["tables"]) == list(TABLES)
    for name, meta in manifest["tables"].items():
        assert meta["files"] == [f"{name}.csv", f"{name}.parquet"]
        frame = read(exported, name)
        assert len(frame) == meta["rows"] > 0 and list(frame.columns) == list(meta["columns"])
        assert pq.read_metadata(exported / f"{name}.parquet").num_rows == meta["rows"]
    assert sorted(p.name for p in (exported / "truth").iterdir()) == sorted(
        Path(p).name for p in manifest["truth"]
    )
    contacts = read(exported, "contacts")
    inbound = contacts["object_source"].isin(["FORM", "IMPORT"])
    assert len(read(exported, "reps")) == 20 and inbound.sum() == 16_000
    assert set(contacts["object_source"]) == {"FORM", "IMPORT", "INTEGRATION", "CRM_UI"}
    deals = read(exported, "deals")
    assert (deals["is_deleted"] == "false").sum() == len(company.deals)
    assert (deals["is_deleted"] == "true").sum() == len(company.archived_deals)


def test_same_inputs_give_byte_identical_files(exported: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(again), "--seed", "7",
         "--as-of", "2025-06-30", "--format", "both"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = sorted(p.relative_to(exported) for p in exported.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second and len(first) == 2 * len(TABLES) + 1 + len(TRUTH_FILES)
    for rel in first:
        assert (exported / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_parquet_is_typed_and_equals_the_csv(exported: Path) -> None:
    deals = pq.read_table(exported / "deals.parquet")
    schema = deals.schema
    assert schema.field("amount").type == pa.decimal128(18, 2)
    assert schema.field("created_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("is_deleted").type == pa.bool_()
    assert schema.field("deal_id").type == pa.string()
    quotas = pq.read_table(exported / "quotas.parquet").schema
    assert quotas.field("period_start").type == pa.date32()
    fx = pq.read_table(exported / "fx_rates.parquet").schema
    assert fx.field("rate_to_reporting").type == pa.decimal128(18, 6)
    activities = pq.read_table(exported / "activities.parquet").schema
    assert activities.field("duration_seconds").type == pa.int64()

    csv = read(exported, "deals")
    frame = deals.to_pandas()
    assert list(frame["deal_id"]) == list(csv["deal_id"])
    assert [str(v) for v in frame["amount"]] == list(csv["amount"])
    assert (frame["created_at"] == ts(csv["created_at"])).all()
    closed = csv["closed_at"].notna()
    assert (frame["closed_at"].notna() == closed).all()
    assert (frame.loc[closed, "closed_at"] == ts(csv.loc[closed, "closed_at"])).all()


def test_files_agree_with_the_api(exported: Path, everything) -> None:
    deals = read(exported, "deals")
    live = deals[deals["is_deleted"] == "false"].set_index("deal_id")
    api = everything(
        "/crm/v3/objects/deals",
        limit="100",
        properties="amount,dealstage,closedate,hubspot_owner_id,deal_currency_code",
    )
    assert [d["id"] for d in api] == list(live.index)
    for d in api:
        row, props = live.loc[d["id"]], d["properties"]
        assert (row["stage_id"], row["amount"], row["owner_id"], row["currency"]) == (
            props["dealstage"], props["amount"], props["hubspot_owner_id"],
            props["deal_currency_code"],
        )  # fmt: skip
        assert (row["close_date"], row["last_modified_at"]) == (
            props["closedate"],
            props["hs_lastmodifieddate"],
        )
    calls = everything("/crm/v3/objects/calls", limit="100", properties="hs_call_direction")
    activities = read(exported, "activities")
    exported_calls = activities[activities["type"] == "call"]
    assert [c["id"] for c in calls] == list(exported_calls["activity_id"])
    assert [c["properties"]["hs_call_direction"].lower() for c in calls] == list(
        exported_calls["direction"]
    )


# --- truth files against a recomputation from the files ----------------------------------------


def _owners_at_close(directory: Path, closed: pd.DataFrame) -> pd.Series:
    """The owner of each closed deal when it closed, from the field history file (a won deal
    may have been handed on since)."""
    history = read(directory, "deal_property_history")
    owners = history[history["property"] == "owner_id"].assign(at=lambda h: ts(h["changed_at"]))
    closing = closed[["deal_id"]].assign(at=ts(closed["closed_at"]))
    found = pd.merge_asof(
        closing.sort_values("at"), owners.sort_values("at"), on="at", by="deal_id"
    ).set_index("deal_id")["value"]
    return closed["deal_id"].map(found)


def _bookings(directory: Path) -> pd.DataFrame:
    deals = read(directory, "deals")
    closed = deals[deals["status"].isin(["won", "lost"]) & (deals["is_deleted"] == "false")].copy()
    closed["owner_id"] = _owners_at_close(directory, closed)
    assert closed["owner_id"].notna().all()
    fx = read(directory, "fx_rates")
    closed["rate_date"] = ts(closed["closed_at"]).dt.strftime("%Y-%m-%d")
    closed = closed.merge(fx, on=["currency", "rate_date"], how="left", validate="many_to_one")
    assert closed["rate_to_reporting"].notna().all(), "every close date has an FX rate"
    closed["reporting"] = [
        Decimal(a) * Decimal(r)
        for a, r in zip(closed["amount"], closed["rate_to_reporting"], strict=True)
    ]
    closed["month_start"] = ts(closed["closed_at"]).dt.strftime("%Y-%m-01")
    closed["won"] = closed["status"] == "won"
    rows = []
    for (rep, month), g in closed.groupby(["owner_id", "month_start"]):
        won, lost = g[g["won"]], g[~g["won"]]
        rows.append(
            {
                "rep_id": rep,
                "month_start": month,
                "bookings": str(sum(won["reporting"], Decimal(0)).quantize(CENT, ROUND_HALF_EVEN)),
                "won_deals": str(len(won)),
                "lost_deals": str(len(lost)),
                "lost_amount": str(
                    sum(lost["reporting"], Decimal(0)).quantize(CENT, ROUND_HALF_EVEN)
                ),
            }
        )
    return pd.DataFrame(rows).sort_values(["rep_id", "month_start"], ignore_index=True)


@pytest.mark.parametrize("which", ["exported", "multi"])
def test_truth_bookings_match_the_files(which: str, request) -> None:
    directory = request.getfixturevalue(which)
    expected = _bookings(directory)
    truth = read_truth(directory, "rep_monthly")
    assert len(truth) > 100
    pd.testing.assert_frame_equal(truth, expected)
    if which == "multi":
        assert read(directory, "deals")["currency"].nunique() >= 3


@pytest.mark.parametrize("which", ["exported", "multi"])
def test_truth_lead_response_matches_the_files(which: str, request) -> None:
    directory = request.getfixturevalue(which)
    clock = pd.Timestamp(json.loads((directory / "manifest.json").read_text())["clock"])
    contacts = read(directory, "contacts")
    acts = read(directory, "activities")
    # Rep touches: outbound calls and emails when they happened, meetings the rep booked when
    # booked (or when held, if logged afterwards); prospect-booked meetings are not responses.
    rep_meeting = (acts["type"] == "meeting") & (acts["meeting_source"] != "MEETINGS_PUBLIC")
    outbound = acts[
        ((acts["type"].isin(["call", "email"])) & (acts["direction"] == "outbound")) | rep_meeting
    ].dropna(subset=["contact_id"])
    touched = ts(outbound["occurred_at"]).where(
        outbound["type"] != "meeting",
        np.minimum(ts(outbound["occurred_at"]), ts(outbound["created_at"])),
    )
    outbound = outbound.assign(occurred=touched)
    outbound = outbound[outbound["occurred"] <= clock]
    # Leads: contacts that became leads, neither existing customers nor entered by a rep.
    became_lead = ts(contacts["became_lead_at"])
    became_customer = ts(contacts["became_customer_at"])
    existing_customer = became_customer.notna() & (
        became_customer <= became_lead.fillna(ts(contacts["created_at"]))
    )
    is_lead = became_lead.notna() & ~existing_customer & (contacts["object_source"] != "CRM_UI")
    assert (~is_lead).sum() > 100, "the export should hold contacts that are not leads"
    contacts = contacts[is_lead]
    leads = contacts.assign(
        created=ts(contacts["created_at"]), converted=ts(contacts["converted_at"])
    )
    joined = outbound.merge(leads[["contact_id", "created"]], on="contact_id")
    first = joined[joined["occurred"] >= joined["created"]].groupby("contact_id")["occurred"].min()
    leads["first"] = leads["contact_id"].map(first)
    leads["minutes"] = (leads["first"] - leads["created"]).dt.total_seconds() / 60
    leads["answered"] = leads["first"].notna()
    leads["within"] = leads["minutes"] <= 60
    leads["converted90"] = (leads["converted"] - leads["created"]) <= pd.Timedelta(days=90)
    leads["month_start"] = leads["created"].dt.strftime("%Y-%m-01")
    expected = (
        leads.groupby(["owner_id", "month_start"])
        .agg(
            leads_created=("contact_id", "size"),
            leads_answered=("answered", "sum"),
            median_response_minutes=("minutes", "median"),
            answered_within_sla=("within", "sum"),
            leads_converted=("converted90", "sum"),
        )
        .reset_index()
        .rename(columns={"owner_id": "rep_id"})
    )
    truth = read_truth(directory, "lead_response")
    assert len(truth) == len(expected) > 100
    assert list(truth["rep_id"]) == list(expected["rep_id"])
    assert list(truth["month_start"]) == list(expected["month_start"])
    for column in ("leads_created", "leads_answered", "answered_within_sla", "leads_converted"):
        assert list(truth[column].astype(int)) == list(expected[column].astype(int)), column
    assert (
        truth["leads_unanswered"].astype(int)
        == expected["leads_created"] - expected["leads_answered"]
    ).all()
    np.testing.assert_allclose(
        truth["median_response_minutes"].astype(float),
        expected["median_response_minutes"],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        truth["share_within_sla"].astype(float),
        expected["answered_within_sla"] / expected["leads_created"],
        rtol=1e-12,
    )


def _answers(directory: Path, kind: str) -> pd.DataFrame:
    questions = read(directory, "survey_questions")
    wanted = questions.loc[questions["kind"] == kind, ["question_id", "ref"]]
    responses = read(directory, "survey_responses").merge(wanted, on="question_id")
    return responses.assign(value=responses["value"].astype(int))


def test_truth_enps_matches_the_files(exported: Path) -> None:
    answers = _answers(exported, "enps")
    waves = read(exported, "survey_waves")
    counts = answers.groupby(["survey_id", "wave", "team_id"]).agg(
        responses=("value", "size"),
        promoters=("value", lambda v: int((v >= 9).sum())),
        passives=("value", lambda v: int(v.between(7, 8).sum())),
        detractors=("value", lambda v: int((v <= 6).sum())),
    )
    expected = waves[waves["survey_id"] == "SPenps01"].merge(
        counts.reset_index(), on=["survey_id", "wave", "team_id"], how="left"
    )
    expected[["responses", "promoters", "passives", "detractors"]] = (
        expected[["responses", "promoters", "passives", "detractors"]].fillna(0).astype(int)
    )
    expected = expected.sort_values(["wave", "team_id"], ignore_index=True)
    truth = read_truth(exported, "enps")
    assert list(zip(truth["wave"], truth["team_id"], strict=True)) == list(
        zip(expected["wave"], expected["team_id"], strict=True)
    )
    for column in ("invited", "responses", "promoters", "passives", "detractors"):
        assert list(truth[column].astype(int)) == list(expected[column].astype(int)), column
    n = expected["responses"]
    enps = 100 * (expected["promoters"] - expected["detractors"]) / n.where(n > 0)
    np.testing.assert_allclose(truth["enps"].astype(float), enps, rtol=1e-12)
    np.testing.assert_allclose(
        truth["response_rate"].astype(float), n / expected["invited"].astype(int), rtol=1e-12
    )
    assert list(truth["is_suppressed"] == "True") == list(n < 5)
    assert (truth["is_suppressed"] == "True").any() and (truth["is_suppressed"] == "False").any()


def test_truth_pulse_matches_the_files(exported: Path) -> None:
    answers = _answers(exported, "likert")
    scales = read(exported, "survey_questions").set_index("ref")
    assert set(zip(scales["scale_min"], scales["scale_max"], strict=True)) >= {
        ("1", "5"),
        ("1", "7"),
        ("0", "10"),
    }, "the pulse mixes scales"
    low = answers["ref"].map(scales["scale_min"]).astype(int)
    high = answers["ref"].map(scales["scale_max"]).astype(int)
    # Favourable: above the midpoint of the question's own scale.
    answers["favourable"] = answers["value"] > (low + high) / 2
    expected = (
        answers.groupby(["wave", "team_id", "ref"])
        .agg(
            responses=("value", "size"),
            mean_score=("value", "mean"),
            favourable_share=("favourable", "mean"),
        )
        .reset_index()
    )
    truth = read_truth(exported, "pulse")
    truth = truth[truth["responses"].astype(int) > 0].reset_index(drop=True)
    assert list(zip(truth["wave"], truth["team_id"], truth["ref"], strict=True)) == list(
        zip(expected["wave"], expected["team_id"], expected["ref"], strict=True)
    )
    assert list(truth["responses"].astype(int)) == list(expected["responses"])
    np.testing.assert_allclose(
        truth["mean_score"].astype(float), expected["mean_score"], rtol=1e-12
    )
    np.testing.assert_allclose(
        truth["favourable_share"].astype(float), expected["favourable_share"], rtol=1e-12
    )


def test_truth_quota_attainment_matches_the_files(exported: Path) -> None:
    quotas = read(exported, "quotas")
    assert set(quotas["metric"]) == {"bookings"} and set(quotas["currency"]) == {"USD"}
    bookings = _bookings(exported)[["rep_id", "month_start", "bookings"]]
    expected = quotas.rename(columns={"period_start": "month_start", "target": "quota"}).merge(
        bookings, on=["rep_id", "month_start"], how="left"
    )
    expected["bookings"] = expected["bookings"].fillna("0.00")
    expected = expected.sort_values(["rep_id", "month_start"], ignore_index=True)
    truth = read_truth(exported, "quota_attainment")
    assert list(truth["rep_id"]) == list(expected["rep_id"])
    assert list(truth["month_start"]) == list(expected["month_start"])
    assert list(truth["bookings"]) == list(expected["bookings"])
    assert list(truth["quota"]) == list(expected["quota"])
    ratio = [
        float(Decimal(b) / Decimal(q))
        for b, q in zip(expected["bookings"], expected["quota"], strict=True)
    ]
    np.testing.assert_allclose(truth["attainment"].astype(float), ratio, rtol=1e-12)
    # quotas cover every rep-month up to the end of the clock's quarter
    assert quotas["period_end"].max() == "2025-06-30"


def test_stage_history_file_is_consistent(exported: Path) -> None:
    history = read(exported, "deal_stage_history")
    deals = read(exported, "deals").set_index("deal_id")
    entered, exited = ts(history["entered_at"]), ts(history["exited_at"])
    assert (exited.isna() | (exited >= entered)).all()
    last = history.groupby("deal_id").tail(1).set_index("deal_id")
    assert (last["stage_id"] == deals.loc[last.index, "stage_id"]).all()
    first = history.groupby("deal_id").head(1).set_index("deal_id")
    assert (first["entered_at"] == deals.loc[first.index, "created_at"]).all()
    assert set(first["stage_id"]) == {"appointmentscheduled"}


def test_an_export_of_some_tables_writes_only_those(tmp_path: Path) -> None:
    """The demo loads only its plans from files: it exports those two tables and no truth."""
    out = tmp_path / "plans"
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--scale", "tiny", "--seed", "3", "--format", "parquet"]
    done = subprocess.run([*command, "--tables", "quotas,fx_rates"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "fx_rates.parquet",
        "manifest.json",
        "quotas.parquet",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["tables"]) == ["quotas", "fx_rates"] and manifest["truth"] == []
    assert manifest["scale"] == "tiny" and manifest["seed"] == 3

    wrong = subprocess.run([*command, "--tables", "quotas,deal"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "unknown table(s) deal" in wrong.stderr
