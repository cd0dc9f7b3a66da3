generator client {
  provider            = "prisma-client"
  output              = "../src/generated/prisma"
  moduleFormat        = "esm"
  importFileExtension = "js"
  runtime             = "nodejs"
}

datasource db {
  provider = "postgresql"
  schemas  = ["__name__"]
}

// __Name__'s tables. After adding a model (with @@schema("__name__")), write its migration:
//   npm run migrate -- __name__ new <migration-name>
// The outbox tables are the service kit's: never declare them here.
