"""The shared-ownership ledger: double-entry books, share register, tamper-evident log.

Modules, one concept each:

* :mod:`~governance.ledger.errors`      the invariants' error codes
* :mod:`~governance.ledger.model`       the tables (append-only transactions and postings)
* :mod:`~governance.ledger.commodity`   commodities and their precision
* :mod:`~governance.ledger.account`     the account tree and the default chart of accounts
* :mod:`~governance.ledger.draft`       a transaction not yet written, from plain values or JSON
* :mod:`~governance.ledger.journal`     checking and appending transactions (the only writer),
                                         reversing them
* :mod:`~governance.ledger.books`       the bylaws' ledger rules; opening the books
* :mod:`~governance.ledger.leaf`        a transaction's RFC 8785 leaf document
* :mod:`~governance.ledger.checkpoint`  signed checkpoints, inclusion and consistency proofs
* :mod:`~governance.ledger.balance`     balances and reports (trial balance, balance sheet)
* :mod:`~governance.ledger.shares`      the share register
* :mod:`~governance.ledger.period`      closing a period
* :mod:`~governance.ledger.verify`      recomputing everything from the rows
* :mod:`~governance.ledger.export`      CSV, JSON and Beancount exports
* :mod:`~governance.ledger.access`      who may read and write the books
* :mod:`~governance.ledger.allocation`  surplus allocation policies and their arithmetic
* :mod:`~governance.ledger.surplus`     an allocation from preview to proposal to books
"""
