"""The ranking model: BM25 per field, with Lucene's idf and each field's own k1 and b."""

import math

from whoosh import scoring

from search_service.indexing import schema as fields

#: (k1, b) of each field, tuned on the train and dev splits of the evaluation sets.
FIELD_PARAMETERS = {
    fields.TEXT: (1.2, 0.75),
    fields.TEXT_EXACT: (1.2, 0.75),
    fields.TITLE: (1.2, 0.75),
}


class FieldBM25(scoring.BM25F):
    """BM25 summed over fields, each with its own k1 and b, and Lucene's idf.

    Lucene's idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``, goes to 0 for a term in every
    paragraph, where Whoosh's ``log(N / (n + 1)) + 1`` stays at 1 or more.
    """

    def __init__(self, parameters):
        super().__init__()
        self.parameters = dict(parameters)

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        found = parent.doc_frequency(fieldname, text)
        return math.log(1 + (parent.doc_count() - found + 0.5) / (found + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        k1, b = self.parameters.get(fieldname, (self.K1, self.B))
        return scoring.BM25FScorer(searcher, fieldname, text, b, k1, qf=qf)


def weighting():
    """The ranking function every search uses."""
    return FieldBM25(FIELD_PARAMETERS)
