"""Chat adapters: each translates one platform's payloads to Command/Reply and nothing else."""
