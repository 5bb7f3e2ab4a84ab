"""Named test functions: formula, domain, default start and known optima.

Optima are quoted from the standard references: Surjanovic & Bingham's Virtual Library of
Simulation Experiments (sfu.ca/~ssurjano) for Rosenbrock, Beale, Booth, Rastrigin and the
six-hump camel; Himmelblau (1972) for his function; MATLAB's documentation of ``peaks``
for the peaks function. The rest follow from calculus in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Optimum:
    point: tuple[float, ...]
    value: float
    kind: str = "minimum"  # or "maximum", "saddle"


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    title: str
    formula: str
    domain: list[tuple[float, float]]
    start: tuple[float, ...]
    optima: list[Optimum] = field(default_factory=list)

    @property
    def dim(self) -> int:
        return len(self.domain)

    @property
    def minima(self) -> list[Optimum]:
        return [o for o in self.optima if o.kind == "minimum"]


def formula_of(name_or_expression: str) -> str:
    """A catalogue name's formula; anything else is taken to be an expression already."""
    entry = CATALOGUE.get(name_or_expression.strip())
    return entry.formula if entry else name_or_expression


_PEAKS = (
    "3*(1-x)**2*exp(-x**2-(y+1)**2) - 10*(x/5-x**3-y**5)*exp(-x**2-y**2) - 1/3*exp(-(x+1)**2-y**2)"
)

CATALOGUE: dict[str, CatalogueEntry] = {
    e.name: e
    for e in [
        CatalogueEntry(
            "quadratic",
            "Quadratic x² + 5x + 6",
            "x**2 + 5*x + 6",
            [(-10.0, 10.0)],
            (-8.0,),
            [Optimum((-2.5,), -0.25)],
        ),
        CatalogueEntry(
            "bowl",
            "Bowl x² + y²",
            "x**2 + y**2",
            [(-2.0, 2.0)] * 2,
            (1.5, 1.0),
            [Optimum((0.0, 0.0), 0.0)],
        ),
        CatalogueEntry(
            "upside_down_bowl",
            "Upside-down bowl −(x² + y²) + 4",
            "-(x**2 + y**2) + 4",
            [(-2.0, 2.0)] * 2,
            (1.0, 1.0),
            [Optimum((0.0, 0.0), 4.0, "maximum")],
        ),
        CatalogueEntry(
            "wavy_bowl",
            "Wavy bowl x² + y² + ½sin 3x + ½cos 3y",
            "x**2 + y**2 + 0.5*sin(3*x) + 0.5*cos(3*y)",
            [(-2.0, 2.0)] * 2,
            (1.5, 1.5),
            # Separable: ∇f = 0 is 2x + 1.5 cos 3x = 0 and 2y − 1.5 sin 3y = 0, solved by
            # Newton's method to 1e-12 (the tests re-solve them independently with numpy).
            [
                Optimum((-0.357818215088449, -0.674475230752768), -0.075142066893877),
                Optimum((-0.357818215088449, 0.674475230752768), -0.075142066893877),
                Optimum((-0.357818215088449, 0.0), 0.188606912365021, "saddle"),
            ],
        ),
        CatalogueEntry(
            "peaks",
            "MATLAB peaks",
            _PEAKS,
            [(-3.0, 3.0)] * 2,
            (-0.5, 0.5),
            [
                Optimum((0.2283, -1.6255), -6.5511),
                Optimum((-1.3474, 0.2045), -3.0498),
                Optimum((0.2964, 0.3202), -0.0649),
                Optimum((-0.0093, 1.5814), 8.1062, "maximum"),
            ],
        ),
        CatalogueEntry(
            "rosenbrock",
            "Rosenbrock",
            "(1 - x)**2 + 100*(y - x**2)**2",
            [(-2.0, 2.0), (-1.0, 3.0)],
            (-1.5, 2.0),
            [Optimum((1.0, 1.0), 0.0)],
        ),
        CatalogueEntry(
            "himmelblau",
            "Himmelblau",
            "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            [(-5.0, 5.0)] * 2,
            (0.0, 0.0),
            [
                Optimum((3.0, 2.0), 0.0),
                Optimum((-2.805118, 3.131312), 0.0),
                Optimum((-3.779310, -3.283186), 0.0),
                Optimum((3.584428, -1.848126), 0.0),
            ],
        ),
        CatalogueEntry(
            "beale",
            "Beale",
            "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            [(-4.5, 4.5)] * 2,
            (1.0, 1.0),
            [Optimum((3.0, 0.5), 0.0)],
        ),
        CatalogueEntry(
            "booth",
            "Booth",
            "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
            [(-10.0, 10.0)] * 2,
            (-5.0, -5.0),
            [Optimum((1.0, 3.0), 0.0)],
        ),
        CatalogueEntry(
            "rastrigin",
            "Rastrigin",
            "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            [(-5.12, 5.12)] * 2,
            (0.3, -0.2),
            [Optimum((0.0, 0.0), 0.0)],
        ),
        CatalogueEntry(
            "six_hump_camel",
            "Six-hump camel",
            "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
            [(-3.0, 3.0), (-2.0, 2.0)],
            (0.5, -0.5),
            [Optimum((0.0898, -0.7126), -1.0316), Optimum((-0.0898, 0.7126), -1.0316)],
        ),
        CatalogueEntry(
            "saddle",
            "Saddle x² − y²",
            "x**2 - y**2",
            [(-2.0, 2.0)] * 2,
            (1.5, 0.01),
            [Optimum((0.0, 0.0), 0.0, "saddle")],
        ),
        CatalogueEntry(
            "x2siny",
            "x² sin y",
            "x**2*sin(y)",
            [(-3.0, 3.0)] * 2,
            (1.0, 1.0),
            [],
        ),
    ]
}
