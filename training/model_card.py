"""Render ``MODEL_CARD.md`` for a bundle from its training metadata."""

from __future__ import annotations

from .evaluate import render_table

_FAILURES = """\
## Known failure modes

- **Sarcasm and irony** ("Langkah brilian Kremlin yang membuat ekonominya ambruk") are read
  literally: the positive words win.
- **Stance carried by facts, not words**: "Rusia menembakkan 90 rudal ke Kyiv" has no evaluative
  word; the model often says *neutral* for Russia where a reader infers *negative*.
- **Reported speech**: the stance of a quoted speaker toward a target is taken as the article's
  stance (the model does not attribute quotes to their speakers).
- **Pronouns and descriptions** ("sang presiden", "negeri beruang merah") are not resolved to a
  party unless listed as aliases; those mentions are simply not counted.
- **Ambiguous short aliases**: "AS" matches only capitalised and not inside all-capitals text,
  so a headline written in capitals loses its "AS" mentions.
- **Implied stance in real news**: on the project's labels for real Indonesian news
  (`sikap-id-news`), most missed targets are negative by implication, as in (examples written
  for this card) "KPK menggeledah rumah sang bupati" (a house searched) or "Persib dicukur 0-6"
  (a team beaten). With no evaluative word the model says *neutral*.{news_recall}
- **Domain**: document sentiment is trained on reviews and tweets (SmSA, NusaX); on hard news it
  leans *neutral*/*negative* for conflict reporting.
"""


def _news_recall(evaluation: dict) -> str:
    """This bundle's recall of negatives on the real-news set, where it was measured."""
    news = evaluation.get("sikap-id-news", {})
    if "recall" not in news:
        return ""
    found = round(news["recall"]["negative"] * news["support"]["negative"])
    return f" This bundle finds {found} of its {news['support']['negative']} negatives."


def _rows_used(name: str, used: int, evaluation: dict) -> str:
    """Training rows of a source, or whether it was only evaluated (or not used at all)."""
    if used:
        return str(used)
    evaluated = name in evaluation or f"{name}-dev" in evaluation
    return "0 (evaluation only)" if evaluated else "0"


def render_model_card(version: str, metadata: dict) -> str:
    """Markdown model card: data and licenses, figures, calibration, failure modes."""
    tr = metadata.get("training", {})
    sources = metadata.get("data_sources", {})
    lines = [
        f"# Sikap model `{version}`",
        "",
        "Linear models over engineered sparse features (`service/engine/features.py`).",
        "",
        "- **Target head** (stance toward one mention, both languages): the mean of a multinomial "
        "logistic regression and an NB-LR (naive-Bayes log-count-ratio scaled one-vs-rest LR), "
        "temperature-calibrated on dev data. Features: the sentence with the mention masked as `<t>`, "
        "distance-binned left/right words, the target's clause, neighbours, position (subject proxy), "
        "quotes, other parties' sides, negation scope, Indonesian stems, English word prefixes, and lexicon "
        "hits by side and distance.",
        "- **Document heads** (overall sentiment), one per language (`id`, `en`): multinomial "
        "logistic regression on negation-marked unigrams, bigrams, stems and lexicon counts.",
        "- **Lexicons**: VADER (`vader_lexicon.txt`, MIT, from the vaderSentiment wheel); "
        "`service/engine/data/lexicon_en.tsv`, English political-news words VADER lacks (*indicted*, "
        "*lambasted*, *lauded*…), written for Sikap (feature family `lexicon-en`); and "
        "`service/engine/data/lexicon_id.tsv`, an Indonesian news lexicon written for Sikap.",
        "",
        "## Training data",
        "",
        "| dataset | license | rows used |",
        "|---|---|---|",
    ]
    rows = {**tr.get("training_rows", {}).get("target", {})}
    for k, v in tr.get("training_rows", {}).get("document", {}).items():
        rows[k] = rows.get(k, 0) + v
    for name, info in sources.items():
        used = _rows_used(name, rows.get(name, 0), metadata.get("evaluation", {}))
        lines.append(f"| {name} ({info['citation']}) | {info['license']} | {used} |")
    dedup = tr.get("smsa_dedup", {})
    lines += [
        "",
        "NusaX-Senti and IndoNLU SmSA are **CC BY-SA 4.0**; the model weights derived from them are "
        "shared under the same terms. NewsMTSC is MIT. `sikap-id-targets` and `sikap-en-targets` are "
        "written for the project (see `training/data/GUIDELINE.md`).",
        "",
        f"`sikap-en-targets` training weight: {tr.get('en_targets_weight', 0)}. Training on it lowers "
        "NewsMTSC dev macro-F1, test-mt's dev split most (by 2 to 3 points), however it is cut: all of "
        "it, without its neutral bystanders, its polar targets only, or with every bystander relabelled "
        "to its sentence's tone (NewsMTSC's habit). Its sentences and NewsMTSC's annotations differ "
        "beyond the bystander rule, so by default it only measures that gap (its dev row below).",
        "",
        f"SmSA rows dropped as duplicates of NusaX-ind valid/test (normalised text): "
        f"train {dedup.get('train_dropped', '?')}, valid {dedup.get('valid_dropped', '?')}.",
        "",
        "## Evaluation (test sets, never used for training or tuning)",
        "",
    ]
    if metadata.get("evaluation"):
        lines.append(render_table(metadata["evaluation"], version))
    th = tr.get("target_head", {})
    lines += [
        "## Calibration and selection (dev data)",
        "",
        "| head | C | features | temperature | dev ECE before → after |",
        "|---|---|---|---|---|",
        f"| target | {th.get('C')} | {th.get('n_features')} | {th.get('temperature')} | "
        f"{th.get('dev_ece_before_calibration')} → {th.get('dev_ece')} |",
        *(
            f"| document ({lang}) | {dh.get('C')} | {dh.get('n_features')} | {dh.get('temperature')} | "
            f"{dh.get('dev_ece_before_calibration')} → {dh.get('dev_ece')} |"
            for lang, dh in tr.get("document_heads", {}).items()
        ),
        "",
        f"Own Indonesian target dev set: macro-F1 {tr.get('own_id_dev', {}).get('macro_f1')} "
        f"on {tr.get('own_id_dev', {}).get('n')} targets; own English target dev set: "
        f"{tr.get('own_en_dev', {}).get('macro_f1')} on {tr.get('own_en_dev', {}).get('n')} targets.",
        "",
        f"Training took {tr.get('train_seconds')} s with peak RSS {tr.get('peak_rss_mb')} MB.",
        "",
        _FAILURES.format(news_recall=_news_recall(metadata.get("evaluation", {}))),
    ]
    return "\n".join(lines)
