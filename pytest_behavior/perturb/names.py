"""Given and family names by culture, for counterfactual ("same request, different name") specs.

The pools were written for this project: common, plausible names per culture or language, mostly as ASCII
transliterations, with a few in their usual spelling with diacritics ("José", "Łukasz", "Ayşe", "Müller").
Lookups fold diacritics, so "Jose" and "José" are the same name to `culture_of` and `find_names`.

Names are written given name first ("Wei Zhang", "Haruto Sato"): that is how they appear in the
English-language requests these pools feed, and it lets `find_names` read every culture alike. No name
appears in two pools, and no name is both a given and a family name, so a name has one culture.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Gender = Literal["female", "male"]
GENDERS: tuple[Gender, ...] = ("female", "male")


@dataclass(frozen=True)
class NamePool:
    """The given names (by gender) and family names of one culture."""

    culture: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]

    def given(self, gender: Gender | None = None) -> tuple[str, ...]:
        """The given names of one gender, or of both."""
        if gender is None:
            return self.female + self.male
        return self.female if gender == "female" else self.male


def _pool(culture: str, female: str, male: str, family: str) -> NamePool:
    return NamePool(culture, tuple(female.split()), tuple(male.split()), tuple(family.split()))


_POOLS = (
    _pool(
        "english",
        "Emily Sarah Jessica Hannah Charlotte Olivia Megan Rebecca Laura Katherine Abigail Lucy Amelia Victoria Rachel",
        "James Thomas Oliver Daniel Matthew Andrew Jack Harry George Samuel Benjamin William Edward Charles "
        "Christopher",
        "Smith Johnson Clarke Taylor Brown Wilson Walker Wright Thompson Hughes Baker Turner Cooper Harris "
        "Robinson Mitchell",
    ),
    _pool(
        "spanish",
        "María Lucía Carmen Isabel Sofia Valentina Daniela Paula Elena Camila Marta Pilar Rocio Alejandra Gabriela",
        "José Javier Alejandro Carlos Miguel Diego Pablo Sergio Andrés Fernando Jorge Raúl Manuel Antonio Santiago",
        "García Rodriguez Martinez Lopez Hernandez Gonzalez Pérez Sanchez Ramirez Torres Flores Morales Ortega "
        "Castillo Romero Navarro",
    ),
    _pool(
        "arabic",
        "Fatima Aisha Layla Mariam Noor Yasmin Salma Huda Amira Rania Zainab Khadija Dalia Samira Hala",
        "Mohammed Ahmed Omar Ali Youssef Khalid Hassan Ibrahim Mustafa Karim Tariq Hamza Bilal Samir Faisal",
        "Haddad Khalil Mansour Nasser Saleh Hamdan Farouk Aziz Rahman Darwish Habib Suleiman Jaber Othman Hijazi "
        "Al-Masri",
    ),
    _pool(
        "chinese",
        "Xiaoling Meiling Jing Hui Fang Xiuying Lijuan Yuxin Ting Wenjing Xinyi Jiayi Shuang Qian Yan",
        "Wei Hao Lei Qiang Jie Tao Ming Zhiwei Yong Jian Haoran Zihao Yuhang Bin Peng",
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo",
    ),
    _pool(
        "indian",
        "Priya Ananya Divya Kavya Pooja Neha Aishwarya Lakshmi Meera Sunita Anjali Deepika Shreya Nandini Ritu",
        "Rahul Arjun Vikram Rohan Amit Sanjay Rajesh Aditya Karthik Suresh Vivek Anil Manish Nikhil Pranav",
        "Sharma Patel Gupta Singh Kumar Reddy Iyer Nair Mehta Joshi Rao Verma Chatterjee Banerjee Desai Malhotra "
        "Pillai",
    ),
    _pool(
        "nigerian",
        "Chiamaka Ngozi Adaeze Folake Funmilayo Yetunde Amina Chioma Nkechi Bukola Ifeoma Titilayo Eniola Halima "
        "Uchechi",
        "Chukwuemeka Oluwafemi Babatunde Emeka Obinna Chinedu Tunde Olumide Ikechukwu Segun Nnamdi Musa Abubakar "
        "Chidi Gbenga",
        "Okafor Adeyemi Okonkwo Balogun Eze Nwosu Adebayo Ogunleye Obi Olawale Bello Okoro Ibekwe Afolabi "
        "Nwachukwu Adewale",
    ),
    _pool(
        "vietnamese",
        "Linh Huong Thao Trang Ngoc Phuong Hanh Thuy Hoa Nhung Quynh Diep Tuyet Nga Loan",
        "Duc Tuan Khoa Quang Hieu Vinh Phuc Cuong Dat Huy Khanh Tung Trung Nghia Thang",
        "Nguyen Tran Pham Hoang Phan Vu Vo Dang Bui Duong Ngo Dinh Truong Huynh Lam",
    ),
    _pool(
        "polish",
        "Agnieszka Katarzyna Małgorzata Magdalena Joanna Aleksandra Zofia Weronika Dorota Beata Ewa Justyna "
        "Monika Bozena Halina",
        "Piotr Krzysztof Tomasz Paweł Łukasz Michal Marcin Grzegorz Jakub Mateusz Wojciech Kamil Bartosz "
        "Dariusz Andrzej",
        # family names whose form is the same for women and men
        "Nowak Wójcik Kowalczyk Mazur Krawczyk Kaczmarek Zajac Krol Wieczorek Michalak Sikora Baran Duda "
        "Szewczyk Pietrzak Wrobel",
    ),
    _pool(
        "japanese",
        "Yuki Haruka Aiko Sakura Yui Misaki Emi Ayaka Nanami Keiko Yoko Kaori Rina Mio Chiyo",
        "Haruto Takumi Kenji Hiroshi Takeshi Daiki Ren Sota Yuto Kaito Shota Ryo Kenta Akira Satoshi",
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki "
        "Matsumoto Inoue Kimura",
    ),
    _pool(
        "turkish",
        "Ayşe Fatma Zeynep Elif Emine Hatice Merve Esra Özlem Derya Seda Buse Ebru Sibel Tugba",
        "Mehmet Ahmet Emre Burak Murat Kemal Serkan Hakan Cem Onur Selim Kaan Tolga Barış Oguz",
        "Yılmaz Kaya Demir Sahin Celik Yildiz Yildirim Öztürk Aydin Ozdemir Arslan Dogan Kilic Aslan Cetin Kara",
    ),
    _pool(
        "german",
        "Katharina Lena Johanna Sabine Ursula Petra Anke Heike Birgit Franziska Greta Annika Jana Claudia Stefanie",
        "Lukas Jonas Felix Maximilian Stefan Jürgen Klaus Wolfgang Dieter Florian Tobias Sebastian Matthias Uwe Helmut",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Wolf Schröder "
        "Neumann Zimmermann",
    ),
    _pool(
        "korean",
        "Jiyeon Minji Seoyeon Soyeon Hyejin Eunji Yuna Jisoo Sujin Yejin Subin Dahye Seojin Haeun Chaewon",
        "Minjun Jihoon Hyunwoo Seojun Dohyun Junho Sungmin Jaehyun Taeyang Donghyun Youngho Kyungsoo Sangwoo "
        "Jinwoo Hyunsoo",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin Kwon Seo Hwang Song",
    ),
)

CULTURES: Mapping[str, NamePool] = MappingProxyType({pool.culture: pool for pool in _POOLS})

# letters that Unicode does not decompose into a base letter and a combining mark
_FOLD_EXTRA = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
    }
)


def fold(name: str) -> str:
    """``name`` without diacritics ("Łukasz" -> "Lukasz", "Ayşe" -> "Ayse"); the case is kept."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Given:
    culture: str
    gender: Gender
    name: str


def _index() -> tuple[dict[str, _Given], dict[str, tuple[str, str]]]:
    given: dict[str, _Given] = {}
    family: dict[str, tuple[str, str]] = {}
    for pool in _POOLS:
        for gender in GENDERS:
            for name in pool.given(gender):
                given.setdefault(fold(name), _Given(pool.culture, gender, name))
        for name in pool.family:
            family.setdefault(fold(name), (pool.culture, name))
    return given, family


_GIVEN, _FAMILY = _index()
_GIVEN_CI = {key.casefold(): value for key, value in _GIVEN.items()}
_FAMILY_CI = {key.casefold(): value for key, value in _FAMILY.items()}

# a word: letters (also as decomposed combining marks), digits or "_", joined by inner hyphens ("Al-Masri")
_WORD = re.compile(r"[\w\u0300-\u036f]+(?:-[\w\u0300-\u036f]+)*")
_NAME_GAP = re.compile(r"[ \t]+")


def pool(culture: str) -> NamePool:
    """The pool of a culture; an unknown one is a `ValueError` naming the known ones."""
    try:
        return CULTURES[culture]
    except (KeyError, TypeError):
        raise ValueError(f"unknown culture {culture!r}; known cultures: {', '.join(CULTURES)}") from None


def full_name(culture: str, rng: random.Random, *, gender: Gender | None = None) -> str:
    """A given and a family name of ``culture``, drawn with ``rng`` ("Chioma Okafor")."""
    names = pool(culture)
    if gender is not None and gender not in GENDERS:
        raise ValueError(f"gender must be 'female', 'male' or None, got {gender!r}")
    chosen = gender if gender is not None else rng.choice(GENDERS)
    return f"{rng.choice(names.given(chosen))} {rng.choice(names.family)}"


def culture_of(name: str) -> str | None:
    """The culture of a given or full name ("Emily Clarke" -> "english"), ignoring case and diacritics:
    the culture of the first word as a given name, else of the last word as a family name; None if unknown."""
    words = name.split()
    if not words:
        return None
    given = _GIVEN_CI.get(fold(words[0]).casefold())
    if given is not None:
        return given.culture
    family = _FAMILY_CI.get(fold(words[-1]).casefold())
    return family[0] if family is not None else None


def gender_of(name: str) -> Gender | None:
    """The gender of the pools' given name that starts ``name`` ("Emily Clarke" -> "female"), else None."""
    words = name.split()
    given = _GIVEN_CI.get(fold(words[0]).casefold()) if words else None
    return given.gender if given is not None else None


def is_given_name(word: str, *, ignore_case: bool = False) -> bool:
    """Whether ``word`` is a given name of some pool (diacritics ignored; the case too if asked)."""
    return (fold(word).casefold() in _GIVEN_CI) if ignore_case else (fold(word) in _GIVEN)


def is_family_name(word: str, *, ignore_case: bool = False) -> bool:
    """Whether ``word`` is a family name of some pool (diacritics ignored; the case too if asked)."""
    return (fold(word).casefold() in _FAMILY_CI) if ignore_case else (fold(word) in _FAMILY)


def find_names(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, matched text)`` of the known names in ``text``, left to right, non-overlapping.

    A name is a whole word that is a known given name, spelled as in the pools (capitalised; diacritics may
    differ), optionally followed on the same line by a known family name: "Emily Clarke" is one span,
    a lone "Emily" another. A family name alone ("Mr Clarke") is not matched: too many are ordinary words.
    """
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if fold(word.group()) not in _GIVEN:
            i += 1
            continue
        end = word.end()
        if i + 1 < len(words):
            after = words[i + 1]
            if _NAME_GAP.fullmatch(text, word.end(), after.start()) and fold(after.group()) in _FAMILY:
                end = after.end()
                i += 1
        spans.append((word.start(), end, text[word.start() : end]))
        i += 1
    return spans
