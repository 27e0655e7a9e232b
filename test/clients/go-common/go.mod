module kafkaless/clients/scenario

go 1.23
