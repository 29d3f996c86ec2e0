"""The probe corpus: generated malformed inputs for every file every step reads.

Every case must end in exit 2 with one line naming the file (and the field where there is
one), no traceback, no "internal error", and the work folder exactly as it was.
"""
