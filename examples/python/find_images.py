"""find_images.py CATALOGUE QUERY [CONDITION]: the Python version of examples/find_images.

Builds a tiny catalogue at CATALOGUE if there is none, then prints the two images that
best match QUERY (those meeting CONDITION, such as "year<2020").
"""
import os
import sys

import picdex


def main(path, query, *where):
    try:
        exists = os.path.exists(path)
        with picdex.Catalogue.open(path) if exists else picdex.Catalogue.create(path) as catalogue:
            if len(catalogue) == 0:
                catalogue.put_many([
                    ("img/cat.jpg", ["A cat asleep on a rug", "Grey cat"], {"year": 2024}),
                    ("img/car.jpg", ["A red car on a street"], {"year": 2019}),
                    ("img/dog.jpg", ["A dog running on the beach"], {"year": 2024}),
                ])
            for hit in catalogue.search(query, k=2, where=list(where)):
                print(f"{hit.uri} {hit.score:.3f} {hit.caption}")
    except picdex.Error as error:
        sys.exit(f"find_images: {error}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: find_images.py CATALOGUE QUERY [CONDITION]")
    main(*sys.argv[1:])
