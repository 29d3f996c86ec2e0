"""cipipe test (seed 5.1-5.3): run the gtest programs, rerun failed tests, report JUnit XML."""
