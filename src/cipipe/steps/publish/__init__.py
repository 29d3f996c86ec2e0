"""cipipe publish (seed 8): candidates in the artifact store, all or nothing.

The step is in ``upload`` (the order of a publish), ``inputs`` (what it reads), ``digests``
(each artifact's digests, from artifacts.json when the file is the one the build wrote),
``platforms`` (what it refuses) and ``completion`` (the marker every reader requires). This
package imports none of them: decide-strategy, bundle and checklist read ``completion`` alone
and should not pay for the rest at start-up.
"""
