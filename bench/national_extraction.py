"""Benchmark: ANS's national directory extraction filtered to a region, side by side in one run.

    .venv/bin/python bench/national_extraction.py [--lines 2300000] [--ids 3000] [--work-dir DIR]

Generates (once, then reused) a synthetic `PS_LibreAcces_Personne_activite` file of national size
(≈ 2.3 million lines, ≈ 900 MB: the real header's 56 columns, one line per activity, people with
one to three activities, UTF-8 with accents) and a list of 3,000 national ids spread across it, in
`$SMUR_IAM_CACHE/bench` (default `~/.cache/smur-iam/bench`) or --work-dir. Then measures, each in a
child process of its own (peak memory from `wait4`: that child's own peak RSS, interpreter included):
  1. the reader before issue 15 (below, `whole_file_read_directory`: the file read whole, every
     line split), the baseline;
  2. the streaming reader `links plan` uses now (provisioning/links/directory_source.py);
both by `links plan`'s own reading step (`cli.read_staff`: id list, header sniff, reader, Python's
cyclic collector paused as the command does), with --national-ids FILE and with --region-code 44,
and checks that both return the same staff list (members, sources, problems, rows read).
`links plan` as a whole cannot run without Keycloak (it opens the admin session and asks for the
realm's staff state before reading the file), so the reading and filtering stage is measured
alone: the part that depends on the file's size.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "links"))  # staff_files: the real extraction's header, as the tests use it

from provisioning.runtime.distribution import default_cache_dir  # noqa: E402
from staff_files import DIRECTORY_HEADER  # noqa: E402

GOAL_SECONDS, GOAL_MB = 8.0, 300
REGION_CODE = "44"  # Grand Est: 10 of the 101 départements
FORMAT = 1  # bump when the generator changes, so a cached file is not reused


# ---------------------------------------------------------------- the baseline, kept as it was

def whole_file_read_directory(path, *, departments=None, national_ids=None, sandbox=False):
    """BASELINE, NOT USED BY THE TOOL: provisioning/links/directory_source.read_directory as it was
    before issue 15 (the whole file read, decoded and split into lines, then every line split into
    its fields), kept verbatim apart from its imports, its header and the turning of a wanted line
    into a professional (read_header, add_member: issue 15 did not change them), to measure the
    streaming reader against."""
    from provisioning.links.csv_source import MAX_FIELD_LENGTH, SourceFormatError, too_long
    from provisioning.links.departments import normalise_department
    from provisioning.links.directory_source import add_member, read_header
    from provisioning.links.staff import SourceRef, StaffListBuilder

    NATIONAL_ID = "Identification nationale PP"

    def _lines(path):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # pre-2021 extractions
        return text.splitlines()

    def _fields(line):
        fields = line.split("|")
        if fields and fields[-1] == "":
            fields.pop()  # the trailing `|`
        return fields

    def _check_lengths(line, fields, columns, name, number):
        if len(line) <= MAX_FIELD_LENGTH:
            return
        for i, text in enumerate(fields):
            if len(text) > MAX_FIELD_LENGTH:
                column = f"column '{columns[i]}'" if i < len(columns) else f"field {i + 1} (beyond the header's columns)"
                raise too_long(name, number, column, len(text))

    name = str(path)
    if departments is None and national_ids is None:
        raise SourceFormatError(f"{name}: the national directory must be filtered to the region "
                                "(by departments/region code or by a national id list)")
    wanted_departments = {normalise_department(d) for d in departments} if departments is not None else None
    lines = _lines(path)
    if not lines:
        raise SourceFormatError(f"{name}: empty file")
    header, index = read_header(lines[0], name)

    def value(fields, column):
        i = index.get(column)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    builder = StaffListBuilder(sandbox)
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = _fields(line)
        _check_lengths(line, fields, header, name, number)
        ref = SourceRef(name, number)
        if len(fields) != len(header):
            builder.result.rows_read += 1
            builder.problem(ref, f"{len(fields)} fields where the header has {len(header)}")
            continue
        raw_id = value(fields, NATIONAL_ID)
        in_department = wanted_departments is not None and \
            normalise_department(value(fields, "Code Département (structure)")) in wanted_departments
        listed = national_ids is not None and raw_id in national_ids
        if not (in_department or listed):
            continue
        builder.result.rows_read += 1
        add_member(builder, ref, fields, index)  # unchanged by issue 15: shared
    return builder.result


# ---------------------------------------------------------------- the synthetic national file

LAST_NAMES = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT",
              "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD",
              "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MÜLLER", "LEFEBVRE", "FAURE",
              "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND"]
FIRST_NAMES = ["Camille", "Léa", "Chloé", "Manon", "Inès", "Zoé", "Hélène", "Agnès", "Noémie", "Anaïs", "Lucas",
               "Hugo", "Louis", "Gabriel", "Jérôme", "Benoît", "François", "Raphaël", "Théo", "Maël", "Joël"]
PROFESSIONS = [("10", "Médecin", "C", "Civil"), ("10", "Médecin", "E", "Etudiant"), ("60", "Infirmier", "C", "Civil"),
               ("21", "Pharmacien", "C", "Civil"), ("50", "Sage-Femme", "C", "Civil"),
               ("40", "Chirurgien-Dentiste", "C", "Civil"), ("70", "Masseur-Kinésithérapeute", "C", "Civil"),
               ("91", "Orthophoniste", "C", "Civil"), ("96", "Psychomotricien", "C", "Civil")]
SPECIALITIES = [("S", "Spécialité ordinale", "SM54", "Médecine Générale (SM)"),
                ("S", "Spécialité ordinale", "SM26", "Qualifié en Médecine Générale (SM)"),
                ("S", "Spécialité ordinale", "SM02", "Anesthesie-réanimation (SM)"), ("", "", "", "")]
MODES = [("S", "Salarié"), ("L", "Libéral,indépendant,artisan,commerçant"), ("B", "Bénévole")]
STREETS = ["RUE", "AV", "BD", "CHE", "PL", "ALL", "IMP", "QUAI"]
STREET_NAMES = ["DE LA RÉPUBLIQUE", "VICTOR HUGO", "JEAN JAURÈS", "DU GÉNÉRAL DE GAULLE", "PASTEUR",
                "DES ÉCOLES", "DE L'HÔPITAL", "DU MARÉCHAL FOCH", "GAMBETTA", "DE PARIS"]
TOWNS = ["STRASBOURG", "MULHOUSE", "REIMS", "METZ", "NANCY", "PARIS", "LYON", "MARSEILLE", "TOULOUSE", "NANTES",
         "BORDEAUX", "LILLE", "RENNES", "MONTPELLIER", "SAINT-ÉTIENNE", "BESANÇON", "ÉPINAL", "CHÂLONS-EN-CHAMPAGNE"]
DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
ROLES = [("", "", "", ""), ("", "", "", ""), ("", "", "", ""), ("314", "Ambulancier SMUR", "GENR01", "Activité standard"),
         ("", "", "GENR01", "Activité standard")]


def _luhn_digit(digits: str) -> str:
    """The check digit that makes ``digits`` + it pass Luhn."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def _structures(rng: random.Random, count: int) -> list[str]:
    """Columns 20-47 (site to département's former id) of ``count`` workplaces, pre-joined."""
    structures = []
    for n in range(count):
        department = rng.choice(DEPARTMENTS)
        town = rng.choice(TOWNS)
        siret = f"{rng.randrange(10**13, 10**14)}"
        finess = f"{department[:2]}{rng.randrange(10**6, 10**7)}"
        structures.append("|".join([
            siret, siret[:9], finess, f"{department[:2]}{rng.randrange(10**6, 10**7)}", f"R10000{n:07d}",
            rng.choice([f"CENTRE HOSPITALIER DE {town}", f"CABINET {rng.choice(LAST_NAMES)}", f"PHARMACIE {town}"]),
            rng.choice(["", "", f"CABINET DU DR {rng.choice(LAST_NAMES)}"]),
            rng.choice(["", "", "", "SERVICE DES URGENCES", "SAMU-SMUR"]), rng.choice(["", "", "BATIMENT B"]),
            str(rng.randrange(1, 200)), rng.choice(["", "", "B"]), rng.choice(STREETS), "",
            rng.choice(STREET_NAMES), "", f"{department[:2]}000 {town}", f"{department[:2]}{rng.randrange(100, 999)}",
            f"{department[:2]}{rng.randrange(100, 999)}", town, "99000", "France",
            f"0{rng.randrange(100000000, 999999999)}", rng.choice(["", f"0{rng.randrange(100000000, 999999999)}"]),
            "", rng.choice(["", f"secretariat.{n}@ch-{town.lower()}.fr"]), department, f"Département {department}",
            f"1{finess}"]))
    return structures


def generate(path: Path, ids_path: Path, lines: int, ids: int, seed: int = 15) -> None:
    """Write the extraction (UTF-8 with a BOM, `|` after every field) and the id list, via temporary names."""
    rng = random.Random(seed)
    structures = _structures(rng, max(1, min(60_000, lines // 40)))
    tails = ["|".join(["CNOM", "SA07", "Cabinet individuel", "", "", *role]) for role in ROLES] \
        + ["|".join(["ARS", "SA01", "Etablissement public de santé", "", "", *role]) for role in ROLES]
    expected_people = lines / 2 + 1  # one to three activities, two on average
    keep_probability = min(1.0, 1.5 * ids / expected_people)
    candidates, written, serial = [], 0, 0
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + "|".join(DIRECTORY_HEADER) + "|\n")
        buffer = []
        while written < lines:
            serial += 1
            if serial % 10:  # RPPS: 8 + 11 digits, Luhn-valid
                rpps = f"1{serial * 7919 % 10**9:09d}"  # 7919 is prime to 10**9: no two people alike
                pp_type, pp_id = "8", rpps + _luhn_digit(rpps)
            else:  # ADELI: 0 + 9 digits
                pp_type, pp_id = "0", f"{serial:09d}"[-9:]
            national_id = pp_type + pp_id
            if rng.random() < keep_probability:
                candidates.append(national_id)
            civility = rng.choice([("DR", "Docteur"), ("", ""), ("MME", "Madame"), ("M", "Monsieur")])
            sex = rng.choice([("M", "Monsieur"), ("MME", "Madame")])
            profession = rng.choice(PROFESSIONS)
            speciality = rng.choice(SPECIALITIES) if profession[0] == "10" else ("", "", "", "")
            person = "|".join([pp_type, pp_id, national_id, *civility, *sex, rng.choice(LAST_NAMES),
                               rng.choice(FIRST_NAMES), profession[0], profession[1], profession[2], profession[3],
                               *speciality])
            for _ in range(min(lines - written, rng.choice((1, 1, 2, 3, 3)))):
                mode = rng.choice(MODES)
                buffer.append(f"{person}|{mode[0]}|{mode[1]}|{rng.choice(structures)}|{rng.choice(tails)}|\n")
                written += 1
            if len(buffer) >= 10_000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
    wanted = random.Random(seed + 1).sample(candidates, min(ids, len(candidates)))
    ids_path.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------- one measured reading, in a child

def child(reader: str, source: str, ids_file: str | None, region_code: str | None) -> None:
    from provisioning.links import cli

    if reader == "whole-file":
        cli.read_directory = whole_file_read_directory
    started = time.perf_counter()
    with cli.cyclic_gc_paused():
        staff = cli.read_staff(Path(source), None, region_code, ids_file, sandbox=False)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    digest.update(f"{staff.rows_read}\n".encode())
    for problem in staff.problems:
        digest.update(f"{problem}\n".encode())
    for national_id in sorted(staff.members):
        m = staff.members[national_id]
        digest.update(json.dumps([m.national_id, m.national_id_type, m.rpps, m.first_name, m.last_name, m.email,
                                  sorted(m.groups), sorted(m.roles), [str(s) for s in m.sources]],
                                 ensure_ascii=False).encode() + b"\n")
    print(json.dumps({"seconds": seconds, "members": len(staff.members), "rows": staff.rows_read,
                      "problems": len(staff.problems), "digest": digest.hexdigest()}))


def measure(reader: str, source: Path, ids_file: Path | None, region_code: str | None) -> dict:
    command = [sys.executable, __file__, "--child", reader, "--source", str(source)]
    command += ["--ids-file", str(ids_file)] if ids_file else ["--region-code", region_code]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()
    # wait4: this child's own peak RSS (ru_maxrss, KiB on Linux), not the largest of all children so far.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{reader} reader failed ({proc.returncode}): {stdout[-500:]}")
    return json.loads(stdout) | {"process_seconds": time.perf_counter() - started, "peak_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_300_000, help="activity lines in the synthetic file")
    parser.add_argument("--ids", type=int, default=3_000, help="national ids in the region's list")
    parser.add_argument("--work-dir", type=Path, help="where the files are generated and kept "
                                                      "(default $SMUR_IAM_CACHE/bench)")
    parser.add_argument("--child", choices=["whole-file", "streaming"], help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--ids-file", help=argparse.SUPPRESS)
    parser.add_argument("--region-code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.source, args.ids_file, args.region_code)
        return

    work = args.work_dir or default_cache_dir() / "bench"
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"PS_LibreAcces_Personne_activite_synthetic-v{FORMAT}-{args.lines}.txt"
    ids_file = work / f"national-ids-v{FORMAT}-{args.lines}-{args.ids}.txt"
    if source.exists() and ids_file.exists():
        print(f"reusing {source}")
    else:
        started = time.perf_counter()
        generate(source, ids_file, args.lines, args.ids)
        print(f"generated {source} in {time.perf_counter() - started:.1f} s")
    size_mb = source.stat().st_size / 1e6
    listed = sum(1 for _ in ids_file.open())
    print(f"{args.lines:,} lines, {size_mb:,.0f} MB; {listed:,} national ids in {ids_file.name}")

    rows = []  # the case (an id list: its goal applies), then a whole region by départements
    for label, ids, region in ((f"--national-ids ({args.ids:,} ids)", ids_file, None),
                               (f"--region-code {REGION_CODE}", None, REGION_CODE)):
        old = measure("whole-file", source, ids, region)
        new = measure("streaming", source, ids, region)
        rows.append((label, old, new))

    print(f"\nReading and filtering as `links plan` does (Keycloak aside), one child process per cell; "
          f"goal for the id list: at most {GOAL_SECONDS:.0f} s and {GOAL_MB} MB")
    print(f"{'filter':<28} {'reader':<30} {'seconds':>8} {'peak MB':>8} {'members':>8} {'rows':>8}  same list")
    ok = True
    for number, (label, old, new) in enumerate(rows):
        same = old["digest"] == new["digest"]
        ok &= same and (number > 0 or (new["seconds"] <= GOAL_SECONDS and new["peak_mb"] <= GOAL_MB))
        for name, result in (("whole file (before issue 15)", old), ("streaming (now)", new)):
            print(f"{label:<28} {name:<30} {result['seconds']:>8.1f} {result['peak_mb']:>8.0f} "
                  f"{result['members']:>8,} {result['rows']:>8,}  {'yes' if same else 'NO'}")
        print(f"{'':<28} {'streaming vs whole file':<30} {old['seconds'] / new['seconds']:>7.1f}x "
              f"{old['peak_mb'] / new['peak_mb']:>7.1f}x")
    print("\nsame lists; goal met for the id list" if ok else "\nGOAL NOT MET or lists differ")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
