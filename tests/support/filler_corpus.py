"""The generator of the default distractor corpus (``pytest_behavior/context/filler.txt``).

Original, neutral prose written for pytest-behavior: short paragraphs about everyday places and routines, made from
the templates below with a fixed seed, so the shipped file can be rebuilt and checked
(`tests/unit/context/test_filler.py` asserts the file is exactly what this writes). Run it to rewrite the file:
``python -m tests.support.filler_corpus``.
"""

from __future__ import annotations

import random
from pathlib import Path

PARAGRAPHS = 320
SEED = 2026
TARGET = Path(__file__).resolve().parents[2] / "pytest_behavior" / "context" / "filler.txt"

_PLACES = (
    "the harbour town of Elmsworth",
    "a hill village called Tarrow",
    "the river district of Quell",
    "Marrowby",
    "the old mill quarter",
    "a lakeside settlement named Ostwick",
    "the market square of Fennick",
    "Lowmoor",
    "the valley hamlet of Brindle",
    "a coastal village called Saltmere",
    "the railway town of Hadley Cross",
    "the orchard country around Pell",
)
_THINGS = (
    "a reading room",
    "a community garden",
    "a bakery",
    "a bicycle workshop",
    "a weekly market",
    "a choir",
    "a ferry service",
    "a small museum",
    "a pottery studio",
    "a swimming club",
    "a tea house",
    "a repair cafe",
)
_SEASONS = ("spring", "early summer", "late summer", "autumn", "the first weeks of winter", "the wet season")
_WEATHER = (
    "a light rain that rarely lasts past noon",
    "long evenings of pale sunlight",
    "fog that lifts by mid-morning",
    "steady winds from the west",
    "cool nights and bright, dry days",
    "sudden showers followed by clear skies",
)
_ACTIVITIES = (
    "sorting seeds into paper envelopes",
    "repainting the benches along the path",
    "mending fishing nets",
    "arranging chairs for the evening talk",
    "sweeping the steps before opening",
    "labelling jars of preserves",
    "tuning the old upright piano",
    "checking the tide tables",
    "stacking firewood under the eaves",
    "writing the week's notices in chalk",
)
_PEOPLE = (
    "volunteers",
    "retired teachers",
    "students on their holidays",
    "the families who live nearby",
    "a handful of regular visitors",
    "the shopkeepers on the high street",
    "walkers passing through",
)
_FOODS = (
    "barley bread",
    "apple cake",
    "a thick vegetable soup",
    "smoked fish",
    "oat biscuits",
    "plum jam",
    "roasted chestnuts",
    "pickled beans",
)
_TEMPLATES = (
    "In {season}, {place} is known for {weather}.",
    "Most mornings in {place} begin with {people} {activity}.",
    "{thing_cap} opened near the main road some years ago and is now run mostly by {people}.",
    "Visitors often remark that the light in {season} makes the rooftops look freshly washed.",
    "Nobody seems to agree on who first suggested {thing}, but it has become part of ordinary life.",
    "On most weekends the smell of {food} drifts from the kitchens along the lane.",
    "The path beside the water is lined with low stone walls and the occasional bench.",
    "Local notices ask everyone to close the gates behind them and to keep dogs on a lead near the fields.",
    "A timetable pinned by the door lists the hours, although they change a little with the season.",
    "{people_cap} keep a notebook of small repairs, crossed off one by one as the weeks pass.",
    "The afternoons are quiet, broken only by the bell of a passing bicycle or a radio in a workshop.",
    "Every so often a visiting group stops to ask for directions and stays for a cup of tea.",
    "There is a long table at the back where {people} meet to talk over plans for {season}.",
    "Children learn early how to read the clouds, since {weather} can change the plans for a day.",
    "Some of the older buildings still have their original shutters, painted a faded green.",
    "A small bridge crosses the stream, and its railings are repainted every few years by {people}.",
    "{thing_cap} keeps a shelf of donated books that anyone may borrow without signing for them.",
    "When the evenings grow longer, {people} can be found {activity} well after supper.",
    "The road out of {place} climbs gently through hedges and past a row of beehives.",
    "A handwritten sign suggests trying the {food}, which is made fresh each morning.",
)


def _sentence(rng: random.Random, template: str, place: str) -> str:
    thing = rng.choice(_THINGS)
    people = rng.choice(_PEOPLE)
    values = {
        "place": place,
        "season": rng.choice(_SEASONS),
        "weather": rng.choice(_WEATHER),
        "activity": rng.choice(_ACTIVITIES),
        "people": people,
        "people_cap": people[:1].upper() + people[1:],
        "thing": thing,
        "thing_cap": thing[:1].upper() + thing[1:],
        "food": rng.choice(_FOODS),
    }
    return template.format(**values)


def paragraphs(count: int = PARAGRAPHS, seed: int = SEED) -> list[str]:
    """``count`` paragraphs of three to five sentences, each about one place, none repeated."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        place = rng.choice(_PLACES)
        chosen = rng.sample(_TEMPLATES, rng.randint(3, 5))
        text = " ".join(_sentence(rng, template, place) for template in chosen)
        if text not in found:
            found.append(text)
    return found


def corpus_text() -> str:
    """The file's text: paragraphs separated by a blank line."""
    return "\n\n".join(paragraphs()) + "\n"


if __name__ == "__main__":
    TARGET.write_text(corpus_text(), encoding="utf-8")
