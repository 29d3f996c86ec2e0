"""Numbers with the bounds their meaning gives them, shared by every contract.

A count that could be negative lets a broken or forged file lower the risk (``failed: -5``
makes five failing tests worth minus five); a rate above 1 or a probability below 0 makes every
comparison with a threshold meaningless; 1e308 overflows to infinity as soon as a weight
multiplies it. Refusing such values where the file is read keeps the decision arithmetic
finite and honest. NaN and infinity are refused by every model (``allow_inf_nan`` in
``cipipe.contracts.base``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# The largest integer every JSON reader keeps exact (JavaScript's Number.MAX_SAFE_INTEGER is
# 2**53 - 1); far above any real count or size, far below what a weight could overflow.
MAX_COUNT = 2**53

# Tests, files, lines, findings, bytes, attempts: whole and never negative.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
# A non-negative measure that need not be whole: entropy, ages in days, experience, seconds.
Amount = Annotated[float, Field(ge=0, le=MAX_COUNT)]
# A share of a whole: failure rates, probabilities, true/false positive rates.
Fraction = Annotated[float, Field(ge=0, le=1)]
# Coverage and the like, in percent.
Percent = Annotated[float, Field(ge=0, le=100)]
# The change of a percentage, in percentage points: from -100 to +100.
PercentPoints = Annotated[float, Field(ge=-100, le=100)]
# A time limit: positive and at most a week, so no timer overflows.
TIMEOUT_SECONDS = 7 * 24 * 3600
TIMEOUT_MINUTES = TIMEOUT_SECONDS // 60
Timeout = Annotated[float, Field(gt=0, le=TIMEOUT_SECONDS)]
