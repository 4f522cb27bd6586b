"""Excel writers of the reports: one module per official form, columns declared once in each."""
