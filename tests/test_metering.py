"""The bench meter's arithmetic (bench/metering.py): known items give known sizes and capacity units, and the
meter charges real requests on embedded DynamoDB (moto) by those rules."""

import base64

import boto3
import pytest
from moto import mock_aws

from bench.metering import (
    Index,
    Meter,
    TableShape,
    index_write_units,
    item_size,
    number_size,
    read_units,
    value_size,
    write_units,
)

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "abc"}, 3),
        ({"S": "ประเทศ"}, 18),  # 6 Thai characters, 3 bytes each in UTF-8
        ({"S": ""}, 0),
        ({"N": "7"}, 2),
        ({"N": "12345"}, 4),  # 5 significant digits: 3 bytes + 1
        ({"N": "100"}, 2),  # trailing zeroes trimmed: one significant digit
        ({"N": "0.000123"}, 3),  # leading zeroes trimmed: 123
        ({"N": "-19.90"}, 3),  # 199
        ({"B": base64.b64encode(b"\x00\x01\x02\x03").decode()}, 4),
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["ab", "cde"]}, 5),
        ({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (1 + 2) + (1 + 2)),
        ({"M": {"k": {"S": "vv"}, "nn": {"BOOL": False}}}, 3 + (1 + 1 + 2) + (1 + 2 + 1)),
        ({"L": []}, 3),
    ],
)
def test_value_sizes(value, size):
    assert value_size(value) == size


def test_number_size_refuses_text():
    with pytest.raises(ValueError, match="not a DynamoDB number"):
        number_size("twelve")


def test_item_size_is_names_plus_values():
    item = {"pk": {"S": "P#p1"}, "sk": {"S": "X#1"}, "count": {"N": "42"}, "tags": {"L": [{"S": "a"}]}}
    # pk 2+4, sk 2+3, count 5+2, tags 4+(3+1+1)
    assert item_size(item) == 6 + 5 + 7 + 9
    assert item_size(None) == 0


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (3000, 3)])
def test_write_units(size, units):
    assert write_units(size) == units


@pytest.mark.parametrize(
    ("size", "consistent", "units"),
    [(0, True, 1.0), (4096, True, 1.0), (4097, True, 2.0), (4097, False, 1.0), (100, False, 0.5)],
)
def test_read_units(size, consistent, units):
    assert read_units(size, consistent) == units


def test_index_writes_follow_the_index_keys():
    table = TableShape("t", ("pk", "sk"))
    lsi = Index("by_at", "LSI", ("pk", "at"), "ALL")
    gsi = Index("by_g", "GSI", ("g",), "KEYS_ONLY")
    base = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    small = {**base, "at": {"S": "2024-07-01"}, "g": {"S": "x"}}
    big = {**small, "blob": {"S": "z" * 1500}}
    moved = {**small, "at": {"S": "2024-07-02"}}
    assert index_write_units(table, lsi, None, small) == 1  # put
    assert index_write_units(table, lsi, small, big) == 2  # updated in place: the larger entry, 2 KB
    assert index_write_units(table, lsi, small, moved) == 2  # key changed: delete + put
    assert index_write_units(table, lsi, small, None) == 1  # delete
    assert index_write_units(table, lsi, base, base) == 0  # never in the index
    assert index_write_units(table, gsi, small, big) == 0  # keys only: the entry did not change
    assert index_write_units(table, gsi, small, {**small, "g": {"S": "y"}}) == 2


@pytest.fixture
def metered():
    with mock_aws():
        meter = Meter(ACCOUNT, REGION, {"things": "ThingsTable"})
        meter.install()
        try:
            client = boto3.client("dynamodb", region_name=REGION)
            client.create_table(
                TableName="things",
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                    {"AttributeName": "at", "AttributeType": "S"},
                ],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                LocalSecondaryIndexes=[
                    {
                        "IndexName": "by_at",
                        "KeySchema": [
                            {"AttributeName": "pk", "KeyType": "HASH"},
                            {"AttributeName": "at", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            )
            yield meter, client
        finally:
            meter.uninstall()


def _usage(meter, operation):
    return meter.usage[("other", "-", "ThingsTable", operation, "-")]


def test_meter_charges_real_requests_by_item_size(metered):
    meter, client = metered
    key = {"pk": {"S": "p"}, "sk": {"S": "a"}}
    client.put_item(TableName="things", Item={**key, "at": {"S": "t1"}, "blob": {"S": "x" * 1000}})  # 1,017 B
    client.update_item(  # grows to 1,217 B: 2 units on the table, 2 on the LSI (the entry changed in place)
        TableName="things",
        Key=key,
        UpdateExpression="SET more = :m",
        ExpressionAttributeValues={":m": {"S": "y" * 196}},
    )
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(
            TableName="things", Item={**key, "tiny": {"BOOL": True}}, ConditionExpression="attribute_not_exists(pk)"
        )
    client.put_item(TableName="things", Item={"pk": {"S": "p"}, "sk": {"S": "b"}, "at": {"S": "t2"}})  # 12 B

    puts, updates = _usage(meter, "PutItem"), _usage(meter, "UpdateItem")
    # 1 + 2 (refused, charged on the stored 1,217 B) + 1; LSI: 1 + 0 (refused) + 1
    assert (puts.requests, puts.write_units, puts.index_write_units, puts.refused) == (3, 4, 2, 1)
    assert (updates.write_units, updates.index_write_units) == (2, 2)
    assert puts.stream_records + updates.stream_records == 3  # the refused put changed nothing

    client.get_item(TableName="things", Key=key)  # 1,217 B, eventually consistent
    client.query(
        TableName="things",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ConsistentRead=True,
    )
    client.query(  # filtered to nothing: still charged for both items evaluated
        TableName="things",
        KeyConditionExpression="pk = :p",
        FilterExpression="attribute_exists(nothing)",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert _usage(meter, "GetItem").read_units == 0.5
    query = _usage(meter, "Query")
    assert (query.requests, query.items, query.read_units) == (2, 4, 1.5)


def test_meter_charges_batches_and_transactions_per_item(metered):
    meter, client = metered
    items = [{"pk": {"S": "p"}, "sk": {"S": f"i{n}"}, "blob": {"S": "x" * 2000}} for n in range(3)]
    client.batch_write_item(RequestItems={"things": [{"PutRequest": {"Item": i}} for i in items]})
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "things", "Item": {"pk": {"S": "q"}, "sk": {"S": "t"}}}},
            {"Delete": {"TableName": "things", "Key": {"pk": {"S": "p"}, "sk": {"S": "i0"}}}},
        ]
    )
    client.batch_get_item(
        RequestItems={"things": {"Keys": [{k: i[k] for k in ("pk", "sk")} for i in items], "ConsistentRead": True}}
    )
    batch = _usage(meter, "BatchWriteItem")
    assert (batch.requests, batch.items, batch.write_units) == (1, 3, 6)  # 2 KB each
    transaction = _usage(meter, "TransactWriteItems")
    assert (transaction.requests, transaction.items, transaction.write_units) == (1, 2, 2 * 1 + 2 * 2)
    gets = _usage(meter, "BatchGetItem")
    assert (gets.items, gets.read_units) == (3, 3.0)  # i0 is gone: a missing item still costs the minimum


def test_requests_naming_a_watched_partner_are_the_partners():
    meter = Meter(ACCOUNT, REGION)
    assert meter.owner_of(b'{"Key": {"pk": {"S": "P#kk-0001"}}}') == "-"  # nobody watched yet
    meter.watch_partners({"kk-0001", "kk-00012"})
    assert meter.owner_of(b'{"Key": {"pk": {"S": "P#kk-0001"}}}') == "partner"
    assert meter.owner_of({"pk": {"S": "P#kk-00012"}, "sk": {"S": "EVAL#x"}}) == "partner"
    assert meter.owner_of(b'{"Key": {"pk": {"S": "P#kk-00013"}}}') == "shared"  # a longer id is another partner
    assert meter.owner_of(b'{"Key": {"pk": {"S": "RUN#evaluation#kkday"}, "sk": {"S": "BATCH#first-00000"}}}') == (
        "shared"
    )
