{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": ".", "noEmit": true, "declaration": false, "types": ["node"] },
  "include": ["src", "test", "*.ts"]
}
